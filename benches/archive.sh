#!/usr/bin/env bash
# Benchmark of `preau export` and `preau import-archive` on a synthetic instance: 6,000
# pupils, 10,000 guardians and 240 teachers (16,240 accounts with memberships, roster rows,
# guardianships and charter acceptances), 50,000 comments, 20,000 photos (small files of
# PHOTO_BYTES bytes each, one row each), 100,000 audit entries. The reference is
# `preau backup` of the same data folder (SQLite online copy + files in one tar).
# Then the Cloudflare path at a smaller size (D1_ACCOUNTS accounts, D1_PHOTOS photos) against
# the local D1 and R2 of wrangler: import-archive --d1-sql, `wrangler d1 execute --file`,
# `wrangler r2 object put` per object, and back: `wrangler d1 export`, `r2 object get` per
# object, export --d1-export --r2-dir (PREAU_SKIP_D1=1 skips that part).
# Then the archive route of the Worker under `wrangler dev` (PREAU_SKIP_ROUTE=1 skips it):
# ROUTE_PHOTOS photos of ROUTE_BYTES bytes through `import-archive --to-worker` and
# `export --from-worker`, against `wrangler r2 object put/get` on ROUTE_REF of them in the
# same run (ratio), and the time for 20,000 photos extrapolated from both. Local wrangler
# dev (miniflare on this machine), not Cloudflare: the network to R2 is not measured.
#
#   bash benches/archive.sh            # release build
#   PREAU=target/debug/preau bash benches/archive.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PREAU:-}" ]; then
  cargo build --release --quiet
  PREAU="${CARGO_TARGET_DIR:-target}/release/preau"
fi
PHOTO_BYTES=${PHOTO_BYTES:-4096}
work=$(mktemp -d)
[ "${PREAU_BENCH_KEEP:-}" = 1 ] && echo "dossier de travail gardé : $work" >&2 || trap 'rm -rf "$work"' EXIT

# Fill a migrated database with python's sqlite3 (the CLI creates and migrates it).
fill() { # data pupils guardians comments photos audit
  "$PREAU" -q accounts list --data "$1" > /dev/null
  python3 - "$@" "$PHOTO_BYTES" <<'PY'
import sys, os, sqlite3, hashlib
data, pupils, guardians, comments, photos, audit, size = sys.argv[1], *map(int, sys.argv[2:8])
db = sqlite3.connect(f"{data}/preau.sqlite3")
db.execute("PRAGMA synchronous = OFF")
T = 1_790_000_000
classes = [(s, c) for s in range(7) for c in range(35)][:240]
teachers = len(classes)
acc, mem, ros, acc_c = [], [], [], []
def account(i, login, name, role):
    acc.append((i, login, name, role, "!" + hashlib.sha256(login.encode()).hexdigest()[:32] if role != "teacher" else "$argon2id$v=19$m=19456,t=2,p=1$c2VsZGVzZWw$" + hashlib.sha256(login.encode()).hexdigest()[:43], T, 0, T))
i = 1
for p in range(pupils):
    s, c = classes[p % 240]
    account(i, f"eleve.{p}", f"Prénom{p} NOM{p // 2}", "pupil")
    mem.append((i, f"ecole-{s}", f"classe-{c}"))
    ros.append((i, "pupil", f"k{p:031x}", f"NOM{p // 2}", "", f"Prénom{p}", None, 0 if p % 9 == 0 else 1, f"E{s} C{c}", None, None))
    i += 1
first_guardian = i
guard = []
for g in range(guardians):
    kid = 1 + (g * pupils) // guardians
    s, c = classes[(kid - 1) % 240]
    account(i, f"resp.{g}", f"Resp{g} NOM{(kid - 1) // 2}", "parent")
    mem.append((i, f"ecole-{s}", f"classe-{c}"))
    ros.append((i, "guardian", None, f"NOM{(kid - 1) // 2}", "", f"Resp{g}", f"r{g}@example.org", None, None, None, None))
    guard.append((i, kid))
    acc_c.append((i, "parents", "2026-09", T + g))
    i += 1
first_teacher = i
for t, (s, c) in enumerate(classes):
    account(i, f"prof.{t}", f"Enseignant {t}", "teacher")
    mem.append((i, f"ecole-{s}", f"classe-{c}"))
    acc_c.append((i, "personnel", "2026-09", T + t))
    i += 1
db.executemany("INSERT INTO accounts VALUES (?,?,?,?,?,?,?,?)", acc)
db.executemany("INSERT INTO memberships VALUES (?,?,?)", mem)
db.executemany("INSERT INTO roster_people VALUES (?,?,?,?,?,?,?,?,?,?,?)", ros)
db.executemany("INSERT INTO guardianships VALUES (?,?)", guard)
db.executemany("INSERT INTO charter_acceptances VALUES (?,?,?,?)", acc_c)
rows = []
for k in range(comments):
    s, c = classes[k % 240]
    author = first_guardian + k % guardians
    text = f"Merci pour cette belle sortie, commentaire {k} ! Les enfants ont adoré." if k % 50 else f"=SOMME(A{k})"
    rows.append((k + 1, f"/ecoles/ecole-{s}/classes/classe-{c}/article-{k % 40}/", f"ecole-{s}/classe-{c}", author, None, text, "approved" if k % 7 else "pending", 0, None, T + k, T + k, first_teacher + k % 240 if k % 7 else None, T + k + 60 if k % 7 else None))
db.executemany("INSERT INTO comments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
rows = []
os.makedirs(f"{data}/medias", exist_ok=True)
for k in range(photos):
    s, c = classes[k % 240]
    # The key is the content's hash, as for a real upload (the archive route checks it).
    seed = hashlib.sha256(f"photo{k}".encode()).digest()
    body = (seed * (size // 32 + 1))[:size]
    h = hashlib.sha256(body).hexdigest()[:16]
    os.makedirs(f"{data}/medias/{h[:2]}", exist_ok=True)
    with open(f"{data}/medias/{h[:2]}/{h}", "wb") as f:
        f.write(body)
    rows.append((k + 1, f"ecole-{s}/classe-{c}", h, "jpg", 400, 300, size, f"IMG_{k:05}.jpg", first_teacher + k % 240, T + k))
db.executemany("INSERT INTO uploads VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
rows = [(k + 1, T + k, f"resp.{k % max(guardians, 1)}", "signin", "/connexion/", "success", "192.0.2.0") for k in range(audit)]
db.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?)", rows)
db.commit()
print(f"{i - 1} comptes ({pupils} élèves, {guardians} responsables, {teachers} enseignants), {comments} commentaires, {photos} photos de {size} octets, {audit} entrées du journal", file=sys.stderr)
PY
}

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
timed() { # label command...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > "$work/step.txt" 2>&1 || { cat "$work/step.txt"; exit 1; }
  end=$(date +%s.%N)
  LAST=$(secs "$start" "$end")
  printf '%-52s %7s s\n' "$label" "$LAST"
}
size_of() { du -sb "$1" | awk '{printf "%.1f Mo", $1/1048576}'; }

echo "== preau serve (natif) =="
fill "$work/data" 6000 10000 50000 20000 100000
printf 'base SQLite : %s, medias/ : %s\n' "$(size_of "$work/data/preau.sqlite3")" "$(size_of "$work/data/medias")"
timed "référence : preau backup (tar)" "$PREAU" -q backup --output "$work/sauvegarde.tar" --data "$work/data"
ref=$LAST
timed "preau export" "$PREAU" -q export --output "$work/export" --data "$work/data"
exp=$LAST
timed "preau export --with-secrets" "$PREAU" -q export --output "$work/export-s" --data "$work/data" --with-secrets
timed "preau import-archive (instance vide)" "$PREAU" -q import-archive "$work/export" --data "$work/data2"
imp=$LAST
timed "référence : preau restore" "$PREAU" -q restore "$work/sauvegarde.tar" --data "$work/data3"
rest=$LAST
timed "preau export de l'instance importée" "$PREAU" -q export --output "$work/export2" --data "$work/data2"
printf 'taille : export %s (CSV %s, medias/ %s), sauvegarde tar %s\n' "$(size_of "$work/export")" \
  "$(du -cb "$work"/export/*.csv | tail -1 | awk '{printf "%.1f Mo", $1/1048576}')" "$(size_of "$work/export/medias")" "$(size_of "$work/sauvegarde.tar")"
python3 - "$exp" "$ref" "$imp" "$rest" <<'PY'
import sys
e, b, i, r = map(float, sys.argv[1:])
print(f"rapport export / backup : {e / b:.2f} ; import-archive / restore : {i / r:.2f}")
PY
if diff -r -x manifest.json "$work/export" "$work/export2" > /dev/null; then
  echo "aller-retour : fichiers identiques (hors manifest.json)"
else
  echo "aller-retour : DIFFÉRENCES"; exit 1
fi
rm -rf "$work/data2" "$work/data3" "$work/export-s" "$work/sauvegarde.tar"

if [ "${PREAU_SKIP_D1:-}" != "1" ]; then
D1_ACCOUNTS=${D1_ACCOUNTS:-1600}
D1_PHOTOS=${D1_PHOTOS:-40}
echo "== Cloudflare (D1 et R2 locaux de wrangler) =="
fill "$work/small" $((D1_ACCOUNTS * 6 / 16)) $((D1_ACCOUNTS * 10 / 16)) $((D1_ACCOUNTS * 3)) "$D1_PHOTOS" $((D1_ACCOUNTS * 6))
"$PREAU" -q export --output "$work/small-export" --data "$work/small"
mkdir -p "$work/cf" "$work/site"
sed -e "s|^migrations_dir = .*|migrations_dir = \"$PWD/edge/migrations\"|" \
    -e "s|^directory = .*|directory = \"$work/site\"|" \
    -e "s|^main = .*|main = \"$PWD/build/worker/entry.mjs\"|" wrangler.toml > "$work/cf/wrangler.toml"
bucket=$(grep -A3 '^\[\[r2_buckets\]\]' wrangler.toml | sed -n 's/^bucket_name *= *"\(.*\)"/\1/p' | head -1)
wr=(scripts/wrangler.sh)
cfg=(--config "$work/cf/wrangler.toml")
timed "D1 : migrations (base vide)" "${wr[@]}" d1 "${cfg[@]}" migrations apply DB --local
timed "import-archive --d1-sql --r2-dir" "$PREAU" -q import-archive "$work/small-export" --d1-sql "$work/in.sql" --r2-dir "$work/r2-in"
timed "D1 : wrangler d1 execute --file" "${wr[@]}" d1 "${cfg[@]}" execute DB --local --yes --file "$work/in.sql"
start=$(date +%s.%N)
for f in "$work/r2-in"/*; do
  "${wr[@]}" r2 object put "$bucket/$(basename "$f")" --local "${cfg[@]}" --file "$f" > /dev/null 2>&1
done
end=$(date +%s.%N)
n=$(ls "$work/r2-in" | wc -l)
put=$(secs "$start" "$end")
printf '%-52s %7s s (%s objets, %s s par objet)\n' "R2 : wrangler r2 object put, un par objet" "$put" "$n" "$(python3 -c "print(f'{$put / max($n, 1):.2f}')")"
timed "D1 : wrangler d1 export" "${wr[@]}" d1 "${cfg[@]}" export DB --local --output "$work/out.sql"
mkdir -p "$work/r2-out"
start=$(date +%s.%N)
for f in "$work/r2-in"/*; do
  k=$(basename "$f")
  "${wr[@]}" r2 object get "$bucket/$k" --local "${cfg[@]}" --file "$work/r2-out/$k" > /dev/null 2>&1
done
end=$(date +%s.%N)
printf '%-52s %7s s\n' "R2 : wrangler r2 object get, un par objet" "$(secs "$start" "$end")"
timed "preau export --d1-export --r2-dir" "$PREAU" -q export --output "$work/small-back" --d1-export "$work/out.sql" --r2-dir "$work/r2-out" --data "$work/small"
if diff -r -x manifest.json "$work/small-export" "$work/small-back" > /dev/null; then
  echo "natif → D1/R2 → natif : fichiers identiques (hors manifest.json)"
else
  echo "natif → D1/R2 → natif : DIFFÉRENCES"; diff -r -x manifest.json "$work/small-export" "$work/small-back" | head -20; exit 1
fi
fi

if [ "${PREAU_SKIP_ROUTE:-}" = "1" ]; then exit 0; fi
ROUTE_PHOTOS=${ROUTE_PHOTOS:-500}
ROUTE_BYTES=${ROUTE_BYTES:-204800}
ROUTE_REF=${ROUTE_REF:-5}
CONNECTIONS=${CONNECTIONS:-6}
echo "== Cloudflare : route d'archive du Worker sous wrangler dev ($ROUTE_PHOTOS photos de $ROUTE_BYTES octets, $CONNECTIONS connexions) =="
PREAU_SKIP_SITE=1 PREAU_SKIP_CHECK=1 PREAU_SKIP_DRY_RUN=1 PREAU_WORKER_OUT=target/worker/bundle \
  bash scripts/build-worker.sh > "$work/build-worker.txt" 2>&1 || { cat "$work/build-worker.txt"; exit 1; }
PHOTO_BYTES=$ROUTE_BYTES fill "$work/rt" 60 100 300 "$ROUTE_PHOTOS" 600
"$PREAU" -q export --output "$work/rt-export" --data "$work/rt"
"$PREAU" -q build --content tests/fixtures/scenario-site --output "$work/rt-site"
rt="$work/rt-cf"
mkdir -p "$rt/.wrangler"
sed -e "s|^migrations_dir = .*|migrations_dir = \"$PWD/edge/migrations\"|" \
    -e "s|^directory = .*|directory = \"$work/rt-site\"|" \
    -e "s|^main = .*|main = \"$PWD/target/worker/bundle/entry.mjs\"|" wrangler.toml > "$rt/wrangler.toml"
token=$(python3 -c "import secrets; print(secrets.token_urlsafe(36))")
printf '%s\n' "$token" > "$work/jeton"
printf 'PREAU_SECRET="%s"\nARCHIVE_TOKEN="%s"\n' "$(python3 -c "import secrets; print(secrets.token_urlsafe(36))")" "$token" > "$rt/.dev.vars"
ln -s "$rt/state" "$rt/.wrangler/state"
rcfg=(--config "$rt/wrangler.toml")
(cd "$rt" && "$OLDPWD/scripts/wrangler.sh" d1 "${rcfg[@]}" migrations apply DB --local --persist-to "$rt/state" > "$work/step.txt" 2>&1) || { cat "$work/step.txt"; exit 1; }
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
inspector=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
(cd "$rt" && exec setsid "$OLDPWD/scripts/wrangler.sh" dev --local --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
  --show-interactive-dev-session=false --persist-to "$rt/state" "${rcfg[@]}" > "$work/dev.log" 2>&1) &
dev=$!
trap 'kill -- -$dev 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 1 900); do
  curl -fso /dev/null "$url/connexion/" && break
  sleep 0.1
done
curl -fso /dev/null "$url/connexion/" || { echo "wrangler dev ne répond pas :"; cat "$work/dev.log"; exit 1; }
"$PREAU" -q import-archive "$work/rt-export" --d1-sql "$work/rt-in.sql" --to-worker "$url" --token-file "$work/jeton"
(cd "$rt" && "$OLDPWD/scripts/wrangler.sh" d1 "${rcfg[@]}" execute DB --local --yes --persist-to "$rt/state" --file "$work/rt-in.sql" > "$work/step.txt" 2>&1) || { cat "$work/step.txt"; exit 1; }
bytes=$(du -cb "$work"/rt-export/medias/* | tail -1 | cut -f1)
n=$(ls "$work/rt-export/medias" | wc -l)
timed "route : import-archive --to-worker ($n objets)" "$PREAU" import-archive "$work/rt-export" --d1-sql "$work/rt-in.sql" --to-worker "$url" --token-file "$work/jeton" --connections "$CONNECTIONS"
up=$LAST
timed "route : import-archive --to-worker, relancé (rien à envoyer)" "$PREAU" -q import-archive "$work/rt-export" --d1-sql "$work/rt-in.sql" --to-worker "$url" --token-file "$work/jeton"
(cd "$rt" && "$OLDPWD/scripts/wrangler.sh" d1 "${rcfg[@]}" export DB --local --output "$work/rt-out.sql" > "$work/step.txt" 2>&1) || { cat "$work/step.txt"; exit 1; }
timed "route : export --d1-export --from-worker ($n objets)" "$PREAU" export --output "$work/rt-back" --d1-export "$work/rt-out.sql" --from-worker "$url" --token-file "$work/jeton" --connections "$CONNECTIONS" --data "$work/rt"
down=$LAST
bucket=$(grep -A3 '^\[\[r2_buckets\]\]' wrangler.toml | sed -n 's/^bucket_name *= *"\(.*\)"/\1/p' | head -1)
mkdir -p "$work/rt-ref"
start=$(date +%s.%N)
for f in $(ls "$work/rt-export/medias" | head -"$ROUTE_REF"); do
  (cd "$rt" && "$OLDPWD/scripts/wrangler.sh" r2 object put "$bucket/ref-$f" --local --persist-to "$rt/state" "${rcfg[@]}" --file "$work/rt-export/medias/$f" > /dev/null 2>&1)
done
end=$(date +%s.%N)
refput=$(secs "$start" "$end")
start=$(date +%s.%N)
for f in $(ls "$work/rt-export/medias" | head -"$ROUTE_REF"); do
  (cd "$rt" && "$OLDPWD/scripts/wrangler.sh" r2 object get "$bucket/ref-$f" --local --persist-to "$rt/state" "${rcfg[@]}" --file "$work/rt-ref/$f" > /dev/null 2>&1)
done
end=$(date +%s.%N)
refget=$(secs "$start" "$end")
printf '%-52s %7s s (%s objets)\n' "référence : wrangler r2 object put, un par objet" "$refput" "$ROUTE_REF"
printf '%-52s %7s s (%s objets)\n' "référence : wrangler r2 object get, un par objet" "$refget" "$ROUTE_REF"
python3 - "$n" "$bytes" "$up" "$down" "$ROUTE_REF" "$refput" "$refget" <<'PY'
import sys
n, b, up, down, k, rput, rget = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:5]), int(sys.argv[5]), *map(float, sys.argv[6:8])
mb = b / 1048576
for what, t, ref in (("envoi (import)", up, rput / k), ("réception (export)", down, rget / k)):
    per = t / n
    print(f"{what} : {n / t:.1f} objets/s, {mb / t:.1f} Mo/s ; wrangler r2 object : {ref:.2f} s par objet, {1 / ref:.2f} objets/s ; rapport {ref / per:.0f}x")
    print(f"  20 000 photos de cette taille : route {20000 * per / 60:.1f} min, wrangler r2 object {20000 * ref / 3600:.1f} h (extrapolé, wrangler dev local)")
PY
if diff -r -x manifest.json "$work/rt-export" "$work/rt-back" > "$work/rt-diff.txt"; then
  echo "natif → route → natif : fichiers identiques (hors manifest.json)"
else
  # The route's own audit entries of the import come back in audit_log.csv: only that file may differ.
  if grep -q '^diff\|^Only' "$work/rt-diff.txt" && [ "$(grep -c '^diff\|^Only' "$work/rt-diff.txt")" = 1 ] && grep -q 'audit_log.csv' "$work/rt-diff.txt"; then
    echo "natif → route → natif : fichiers identiques hors manifest.json et les entrées « archive » ajoutées à audit_log.csv"
  else
    echo "natif → route → natif : DIFFÉRENCES"; head -20 "$work/rt-diff.txt"; exit 1
  fi
fi
