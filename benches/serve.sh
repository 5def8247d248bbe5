#!/usr/bin/env bash
# Benchmark: a gated private page through `preau serve` (session lookup, charter and scope
# checks, security headers) against the same file served by nginx, same client (wrk), same
# run, loopback only. Prints requests per second, p99 latency and the ratio.
# Then the same with many families: SESSIONS (2,000) distinct signed-in parents spread over
# every class of the demo town, each request by one of them for their own class's page (wrk
# rotates the cookies with a Lua script and counts answers other than 200), against nginx
# serving the same paths.
# Then the ceiling: the same HTTP layer without the core (edge/examples/http_ceiling.rs).
# Needs nginx and wrk (Debian: apt-get install nginx-light wrk) and python3.
# Also prints the server's CPU time per request; PERF_RECORD=DIR records a profile of each
# preau run there (`perf report -i DIR/single.data`).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
SESSIONS=${SESSIONS:-2000}
THREADS=${THREADS:-2}
command -v nginx >/dev/null || { echo "nginx manquant : apt-get install nginx-light" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk manquant : apt-get install wrk" >&2; exit 2; }
# PREAU_BIN=FILE runs that binary instead (a before/after comparison).
if [ -z "${PREAU_BIN:-}" ]; then cargo build --release --quiet --bin preau; fi
BIN=${PREAU_BIN:-${CARGO_TARGET_DIR:-target}/release/preau}
WORK=$(mktemp -d)
# nginx's workers run as an unprivileged user: they must be able to read the site (a 0700
# folder made every nginx answer a fast 403, which wrk counts as a success).
chmod 755 "$WORK"
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
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$N_PORT$PAGE")
[ "$STATUS" = 200 ] || { echo "nginx répond $STATUS au lieu de 200 pour $PAGE" >&2; exit 1; }
run() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@"; }
# The server's CPU time per request (user + system, from /proc), a measure that another
# builder's load on the machine changes much less than requests per second.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
nginx_pids() { cat "$WORK/nginx.pid"; pgrep -P "$(cat "$WORK/nginx.pid")"; }
# nginx's workers' CPU time per request, the reference of the same measure.
run_nginx() {
  local pids; pids=$(nginx_pids)
  local before; before=$(cpu_ticks $pids)
  local out; out=$(run "$@")
  local after; after=$(cpu_ticks $pids)
  echo "$out"
  local n; n=$(echo "$out" | awk '/requests in/ {print $1}')
  python3 -c "print(f'temps CPU du serveur par requête : {($after - $before) / $(getconf CLK_TCK) / $n * 1e6:.1f} µs')"
}
# The same run, with the server's CPU time counted, and profiled when PERF_RECORD is set.
run_preau() {
  local name=$1; shift
  if [ -n "${PERF_RECORD:-}" ]; then
    mkdir -p "$PERF_RECORD"
    perf record -e cpu-clock ${PERF_OPTS:--g} -o "$PERF_RECORD/$name.data" -p "$PREAU_PID" 2>/dev/null &
    local perf_pid=$!
    sleep 0.3
  fi
  local before; before=$(cpu_ticks "$PREAU_PID")
  local out; out=$(run "$@")
  local after; after=$(cpu_ticks "$PREAU_PID")
  if [ -n "${perf_pid:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; fi
  echo "$out"
  local n; n=$(echo "$out" | awk '/requests in/ {print $1}')
  python3 -c "print(f'temps CPU du serveur par requête : {($after - $before) / $(getconf CLK_TCK) / $n * 1e6:.1f} µs')"
}
echo "== nginx (fichier statique, sans contrôle d'accès)"
N_OUT=$(run_nginx "http://127.0.0.1:$N_PORT$PAGE"); echo "$N_OUT" | grep -E "Requests/sec|99%|par requête"
echo "== preau serve (page privée : session, charte, portée, en-têtes)"
P_OUT=$(run_preau single -H "Cookie: $COOKIE" "$B$PAGE"); echo "$P_OUT" | grep -E "Requests/sec|99%|par requête"
N_RPS=$(echo "$N_OUT" | awk '/Requests\/sec/ {print $2}')
P_RPS=$(echo "$P_OUT" | awk '/Requests\/sec/ {print $2}')
python3 -c "print(f'rapport preau/nginx : {float($P_RPS)/float($N_RPS):.2f} (objectif >= 0.70)')"

echo
echo "== $SESSIONS familles connectées, réparties sur toutes les classes"
# The accounts, their class, the charter versions bench.parent accepted, and a session each,
# written straight into the database the way sign-in writes them (only the token's SHA-256 is
# stored): signing 2,000 parents in over HTTP would only measure Argon2 and the throttle.
python3 - "$WORK/data/preau.sqlite3" "$WORK/public" "$SESSIONS" "$WORK/sessions.txt" <<'PY'
import base64, hashlib, os, sqlite3, sys, time, glob
db, public, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
classes = sorted(
    p[len(public):-len("index.html")]
    for p in glob.glob(f"{public}/ecoles/*/classes/*/index.html")
)
if not classes:
    sys.exit("aucune page de classe dans le site construit")
c = sqlite3.connect(db, timeout=30)
ref = c.execute("SELECT id, password_hash FROM accounts WHERE login = 'bench.parent'").fetchone()
charters = c.execute("SELECT audience, version FROM charter_acceptances WHERE account_id = ?", (ref[0],)).fetchall()
now = int(time.time())
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
lines = []
with c:
    for i in range(n):
        path = classes[i % len(classes)]
        _, _, school, _, klass, _ = path.split("/")
        cur = c.execute(
            "INSERT INTO accounts (login, display_name, role, password_hash, password_changed_at, created_at) VALUES (?, ?, 'parent', ?, ?, ?)",
            (f"famille.{i}", f"Famille {i}", ref[1], now, now),
        )
        aid = cur.lastrowid
        c.execute("INSERT INTO memberships (account_id, school, class) VALUES (?, ?, ?)", (aid, school, klass))
        for audience, version in charters:
            c.execute("INSERT INTO charter_acceptances VALUES (?, ?, ?, ?)", (aid, audience, version, now))
        token = b64(os.urandom(32))
        c.execute(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (b64(hashlib.sha256(token.encode()).digest()), aid, now, now, now + 8 * 3600),
        )
        lines.append(f"preau_session={token} {path}")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{n} sessions sur {len(classes)} classes")
PY
cat > "$WORK/rotate.lua" <<'LUA'
-- Each wrk thread reads the (cookie, page) pairs, starts at its own offset and counts the
-- answers other than 200 (a refused session would be a fast 303 that wrk counts as fine).
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local list = {}
local i = 0
bad = 0
last = 0
init = function(args)
  for line in io.lines(args[1]) do
    local cookie, path = line:match("^(%S+) (%S+)$")
    if cookie then list[#list + 1] = { cookie, path } end
  end
  i = math.random(#list)
end
request = function()
  i = i % #list + 1
  return wrk.format("GET", list[i][2], { Cookie = list[i][1] })
end
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1; last = status end
end
done = function(summary, latency, requests)
  local total, seen = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("bad")
    if t:get("last") ~= 0 then seen = t:get("last") end
  end
  io.write(string.format("Réponses autres que 200 : %d (dernier statut : %d)\n", total, seen))
end
LUA
FIRST=$(head -1 "$WORK/sessions.txt")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${FIRST%% *}" "$B${FIRST##* }")
[ "$STATUS" = 200 ] || { echo "une famille reçoit $STATUS au lieu de 200 pour sa classe" >&2; exit 1; }
# A family of another class is refused the first family's class page.
SECOND=$(sed -n 2p "$WORK/sessions.txt")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${SECOND%% *}" "$B${FIRST##* }")
[ "${FIRST##* }" = "${SECOND##* }" ] || [ "$STATUS" != 200 ] || { echo "une famille lit la page d'une autre classe" >&2; exit 1; }
echo "== nginx (mêmes pages, sans contrôle d'accès)"
N_OUT=$(run_nginx -s "$WORK/rotate.lua" "http://127.0.0.1:$N_PORT" -- "$WORK/sessions.txt"); echo "$N_OUT" | grep -E "Requests/sec|99%|autres que 200|par requête"
echo "== preau serve ($SESSIONS sessions distinctes)"
P_OUT=$(run_preau many -s "$WORK/rotate.lua" "$B" -- "$WORK/sessions.txt"); echo "$P_OUT" | grep -E "Requests/sec|99%|autres que 200|par requête"
for OUT in "$N_OUT" "$P_OUT"; do
  BAD=$(echo "$OUT" | sed -n 's/.*autres que 200 : \([0-9]*\).*/\1/p')
  [ "${BAD:-1}" = 0 ] || { echo "ATTENTION : $BAD réponses n'étaient pas des 200 : le rapport ne vaut rien" >&2; exit 1; }
done
N_RPS=$(echo "$N_OUT" | awk '/Requests\/sec/ {print $2}')
P_RPS=$(echo "$P_OUT" | awk '/Requests\/sec/ {print $2}')
python3 -c "print(f'rapport preau/nginx avec $SESSIONS familles : {float($P_RPS)/float($N_RPS):.2f} (objectif >= 1.0)')"

# The ceiling: hyper and tokio set up as in `preau serve`, answering the same pages from a
# memory cache with the headers Préau sent for them, and no core at all
# (edge/examples/http_ceiling.rs). What preau costs beyond it is the core's work.
# CEILING=0 skips it.
if [ "${CEILING:-1}" != 0 ]; then
  cargo build --release --quiet -p preau-edge --features native --example http_ceiling
  C_PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  curl -s -D "$WORK/headers.txt" -o /dev/null -H "Cookie: ${FIRST%% *}" "$B${FIRST##* }"
  "${CARGO_TARGET_DIR:-target}/release/examples/http_ceiling" "127.0.0.1:$C_PORT" "$WORK/public" "$WORK/headers.txt" &
  CEILING_PID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$C_PORT/" && break; sleep 0.1; done
  echo "== plafond : hyper seul, mêmes pages et mêmes en-têtes, sans le cœur"
  before=$(cpu_ticks "$CEILING_PID")
  C_OUT=$(run -s "$WORK/rotate.lua" "http://127.0.0.1:$C_PORT" -- "$WORK/sessions.txt")
  after=$(cpu_ticks "$CEILING_PID")
  kill "$CEILING_PID" 2>/dev/null || true
  echo "$C_OUT" | grep -E "Requests/sec|99%|autres que 200"
  n=$(echo "$C_OUT" | awk '/requests in/ {print $1}')
  python3 -c "print(f'temps CPU du serveur par requête : {($after - $before) / $(getconf CLK_TCK) / $n * 1e6:.1f} µs')"
  C_RPS=$(echo "$C_OUT" | awk '/Requests\/sec/ {print $2}')
  python3 -c "print(f'plafond/nginx : {float($C_RPS)/float($N_RPS):.2f} ; preau/plafond : {float($P_RPS)/float($C_RPS):.2f}')"
fi
