#!/usr/bin/env bash
# Benchmark: the sign-in rush of the start of the school year (issue 14), loopback only and
# bounded (300 sign-ins, at most 60 s, 20 s of reference reads). 300 parents sign in from
# 60 concurrent clients, accept the charter and read three private pages each, while 4
# readers keep reading public pages. Prints sign-ins per second, the p99 of public page
# reads during the rush against the same reads without it (the reference, same script),
# the p99 of the private reads, the "réessayez dans N s" answers (503 + Retry-After,
# retried after that delay) and the server's peak memory (VmHWM).
# Environment: SIGNINS (300), CLIENTS (60), READERS (4), PREAU_BIN (another binary).
set -euo pipefail
cd "$(dirname "$0")/.."
SIGNINS=${SIGNINS:-300}
CLIENTS=${CLIENTS:-60}
READERS=${READERS:-4}
# PREAU_BIN=FILE runs that binary instead (a before/after comparison).
if [ -z "${PREAU_BIN:-}" ]; then cargo build --release --quiet --bin preau; fi
BIN=${PREAU_BIN:-${CARGO_TARGET_DIR:-target}/release/preau}
WORK=$(mktemp -d)
cleanup() { kill "${PREAU_PID:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$BIN serve --quiet --no-watch --output "$WORK/public" --data "$WORK/data" --addr "127.0.0.1:$PORT" >/dev/null &
PREAU_PID=$!
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
PASSWORD="tortue-lampe-orage-cerise-71"
echo "création de $SIGNINS comptes…"
for i in $(seq 0 $((SIGNINS - 1))); do
  echo "$PASSWORD" | $BIN accounts add "ruee.$i" --role parent --scope ecole-jean-moulin/ce1-a --password-stdin --data "$WORK/data" --quiet
done
echo "machine : $(nproc) cœurs, charge $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$PORT" "$PREAU_PID" "$SIGNINS" "$CLIENTS" "$READERS" "$PASSWORD" <<'PY'
import gzip, http.client, re, sys, threading, time, urllib.parse
port, pid, signins, clients, readers, password = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
PUBLIC = ["/", "/guides/", "/actualites/"]
PRIVATE = ["/ecoles/ecole-jean-moulin/classes/ce1-a/", "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/", "/espace/"]
TIMEOUT = 30

def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)

def request(c, method, path, body=None, cookies=None):
    # gzip, not br: Python's standard library decodes only gzip. Built files are sent from
    # the build's copies either way; pages made at request time are compressed at gzip 1.
    h = {"Accept-Encoding": "gzip"}
    if cookies:
        h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    if r.getheader("content-encoding") == "gzip":
        data = gzip.decompress(data)
    for k, v in r.getheaders():
        if k.lower() == "set-cookie" and cookies is not None:
            name, _, rest = v.partition("=")
            cookies[name] = rest.split(";")[0]
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

def p(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))] * 1000 if v else float("nan")

def read_public(stop, out):
    c = conn(); i = 0
    while not stop.is_set():
        t = time.perf_counter()
        try:
            s, _, _ = request(c, "GET", PUBLIC[i % len(PUBLIC)])
            out.append(time.perf_counter() - t)
        except Exception:
            out.append(TIMEOUT); c = conn()
        i += 1

def reference(seconds):
    stop, out = threading.Event(), []
    ts = [threading.Thread(target=read_public, args=(stop, out)) for _ in range(readers)]
    [t.start() for t in ts]; time.sleep(seconds); stop.set(); [t.join() for t in ts]
    return out

ref = reference(10)
print(f"== référence, sans ruée : {len(ref)} lectures publiques, p50 {p(ref,.5):.1f} ms, p99 {p(ref,.99):.1f} ms")

lock = threading.Lock()
todo = list(range(signins))
stats = {"ok": 0, "busy": 0, "fail": 0, "errors": []}
private_times = []
def parent():
    while True:
        with lock:
            if not todo: return
            i = todo.pop()
        cookies = {}
        try:
            c = conn()
            for attempt in range(6):
                _, _, page = request(c, "GET", "/connexion/", cookies=cookies)
                csrf = re.search(rb'name="csrf" value="([^"]*)"', page).group(1).decode()
                s, h, body = request(c, "POST", "/connexion/", {"csrf": csrf, "login": f"ruee.{i}", "password": password}, cookies)
                if s == 503:
                    with lock: stats["busy"] += 1
                    assert "réessayez dans" in body.decode(), body[:200]
                    time.sleep(int(h["retry-after"]))
                    continue
                break
            if s != 303:
                raise RuntimeError(f"connexion {s}")
            _, _, gate = request(c, "GET", "/charte/accepter/", cookies=cookies)
            csrf = re.search(rb'name="csrf" value="([^"]*)"', gate).group(1).decode()
            request(c, "POST", "/charte/accepter/", {"csrf": csrf}, cookies)
            for path in PRIVATE:
                t = time.perf_counter()
                s, _, _ = request(c, "GET", path, cookies=cookies)
                if s != 200: raise RuntimeError(f"{path} {s}")
                with lock: private_times.append(time.perf_counter() - t)
            with lock: stats["ok"] += 1
        except Exception as e:
            with lock: stats["fail"] += 1; stats["errors"].append(repr(e))

stop, during = threading.Event(), []
rs = [threading.Thread(target=read_public, args=(stop, during)) for _ in range(readers)]
[t.start() for t in rs]
start = time.perf_counter()
ps = [threading.Thread(target=parent) for _ in range(clients)]
[t.start() for t in ps]
for t in ps: t.join(timeout=max(1, 60 - (time.perf_counter() - start)))
took = time.perf_counter() - start
stop.set(); [t.join() for t in rs]
hwm = next((l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")), "0")
print(f"== ruée : {stats['ok']}/{signins} parents connectés et 3 pages lues chacun en {took:.1f} s ({stats['ok']/took:.1f} connexions/s), {stats['busy']} réponses « réessayez dans N s », {stats['fail']} échecs {stats['errors'][:3]}")
print(f"   lectures publiques pendant la ruée : {len(during)}, p50 {p(during,.5):.1f} ms, p99 {p(during,.99):.1f} ms (rapport p99 ruée/référence : {p(during,.99)/p(ref,.99):.2f})")
print(f"   pages privées des parents : p50 {p(private_times,.5):.1f} ms, p99 {p(private_times,.99):.1f} ms")
print(f"   mémoire du serveur (pic, VmHWM) : {int(hwm)/1024:.0f} Mo")
PY
