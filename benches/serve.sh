#!/usr/bin/env bash
# Benchmark: a gated private page through `preau serve` (session lookup, charter and scope
# checks, security headers) against the same file served by nginx, same client (wrk), same
# run, loopback only. Prints requests per second, p99 latency and the ratio.
# Needs nginx and wrk (Debian: apt-get install nginx-light wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
command -v nginx >/dev/null || { echo "nginx manquant : apt-get install nginx-light" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk manquant : apt-get install wrk" >&2; exit 2; }
cargo build --release --quiet --bin preau
BIN=target/release/preau
WORK=$(mktemp -d)
cleanup() { kill "${PREAU_PID:-}" 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PAGE=/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/
P_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
N_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$BIN serve --quiet --no-watch --output "$WORK/public" --data "$WORK/data" --addr "127.0.0.1:$P_PORT" >/dev/null &
PREAU_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$P_PORT/" && break; sleep 0.1; done
echo "tortue-lampe-orage-cerise-71" | $BIN accounts add bench.parent --role parent --scope ecole-jean-moulin/ce1-a --password-stdin --data "$WORK/data" --quiet
JAR=$WORK/jar
B="http://127.0.0.1:$P_PORT"
CSRF=$(curl -s -c "$JAR" -b "$JAR" "$B/connexion/" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$CSRF" --data-urlencode "login=bench.parent" --data-urlencode "password=tortue-lampe-orage-cerise-71" "$B/connexion/"
CSRF=$(curl -s -c "$JAR" -b "$JAR" "$B/charte/accepter/" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$CSRF" "$B/charte/accepter/"
COOKIE=$(awk '$6 ~ /session/ {print $6"="$7}' "$JAR")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$B$PAGE")
[ "$STATUS" = 200 ] || { echo "la page privée répond $STATUS au lieu de 200" >&2; exit 1; }
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$N_PORT; root $WORK/public; }
}
NGINX
nginx -c "$WORK/nginx.conf"
sleep 0.5
run() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@"; }
echo "== nginx (fichier statique, sans contrôle d'accès)"
N_OUT=$(run "http://127.0.0.1:$N_PORT$PAGE"); echo "$N_OUT" | grep -E "Requests/sec|99%"
echo "== preau serve (page privée : session, charte, portée, en-têtes)"
P_OUT=$(run -H "Cookie: $COOKIE" "$B$PAGE"); echo "$P_OUT" | grep -E "Requests/sec|99%"
N_RPS=$(echo "$N_OUT" | awk '/Requests\/sec/ {print $2}')
P_RPS=$(echo "$P_OUT" | awk '/Requests\/sec/ {print $2}')
python3 -c "print(f'rapport preau/nginx : {float($P_RPS)/float($N_RPS):.2f} (objectif >= 0.70)')"
