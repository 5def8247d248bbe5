#!/usr/bin/env bash
# Benchmark of `preau roster letters`: the invitation letters of about 1,000 accounts
# (400 pupils in 16 classes and their 600 guardians, imported from a synthetic ONDE roster),
# against the letter of one account (the fixed cost: fonts, database, process) and the
# run that finds nothing to print. Prints the time, the PDF size and the cost per letter.
#
#   bash benches/letters.sh            # release build
#   PREAU=target/debug/preau bash benches/letters.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PREAU:-}" ]; then
  cargo build --release --quiet
  PREAU="${CARGO_TARGET_DIR:-target}/release/preau"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, os
d = sys.argv[1]
os.makedirs(f"{d}/data", exist_ok=True)
classes = [(s, c) for s in range(2) for c in range(8)]
PH = "Nom élève;Prénom élève;Date naissance;INE;Libellé classe;Autorisation photo"
pupils, family = [PH], {}
for p in range(400):
    f = p // 2 if p < 200 else p - 100      # 100 pairs of siblings, 200 only children
    family.setdefault(f, []).append(p)
    s, c = classes[p % 16]
    pupils.append(f"NOM{f};Prénom{p};{1 + p % 28:02}/{1 + p // 28 % 12:02}/{2015 + p % 6};{p:09}XX;E{s} C{c};Oui")
open(f"{d}/eleves.csv", "w").write("\n".join(pupils) + "\n")
GH = "Nom responsable;Prénom responsable;Adresse responsable;Nom de famille enfant;Prénom enfant;Classes enfants;Nom de famille enfant;Prénom enfant;Classes enfants"
rows = [GH]
for f, kids in family.items():
    for g in range(2):
        cells = [f"NOM{f}", f"Resp{g}", f"{f} rue Synthétique"]
        for k in kids:
            s, c = classes[k % 16]
            cells += [f"NOM{f}", f"Prénom{k}", f"E{s} C{c}"]
        cells += [""] * (9 - len(cells))
        rows.append(";".join(cells))
open(f"{d}/responsables.csv", "w").write("\n".join(rows) + "\n")
with open(f"{d}/classes.toml", "w") as m:
    m.write("[classes]\n")
    for s, c in classes:
        m.write(f'"E{s} C{c}" = "ecole-{s}/classe-{c}"\n')
PY
"$PREAU" -q roster import --data "$work/data" --site "$work/site" --mapping "$work/classes.toml" \
  "$work/eleves.csv" "$work/responsables.csv" --apply > /dev/null
accounts=$(sqlite3 "$work/data/preau.sqlite3" "SELECT count(*) FROM accounts")
one=$(sqlite3 "$work/data/preau.sqlite3" "SELECT login FROM accounts ORDER BY id LIMIT 1")
secs() { echo "$2 - $1" | bc; }
run() {
  local out=$1; shift
  local start end
  start=$(date +%s.%N)
  "$PREAU" -q roster letters --data "$work/data" --site "$work/site" --content content \
    --output "$work/$out" "$@" > /dev/null
  end=$(date +%s.%N)
  secs "$start" "$end"
}
t_all=$(run all.pdf)
t_none=$(run none.pdf)
t_one=$(run one.pdf --login "$one")
t_again=$(run again.pdf --all)
size_all=$(stat -c %s "$work/all.pdf")
size_one=$(stat -c %s "$work/one.pdf")
pages=$(($(grep -ac '/Type /Page$' "$work/all.pdf" || true)))
printf 'comptes importés                              %6d\n' "$accounts"
printf 'courriers (premier passage)                   %6.2f s  %7.0f Ko  (%d pages)\n' "$t_all" "$(echo "$size_all / 1024" | bc -l)" "$pages"
printf 'rien à imprimer (second passage)              %6.2f s\n' "$t_none"
printf 'un courrier (--login, coût fixe)              %6.2f s  %7.0f Ko\n' "$t_one" "$(echo "$size_one / 1024" | bc -l)"
printf 'réimpression de tout (--all)                  %6.2f s\n' "$t_again"
printf 'par courrier au-delà du coût fixe             %6.2f ms %7.2f Ko  (%.1f× le temps d'"'"'un courrier seul)\n' \
  "$(echo "($t_all - $t_one) * 1000 / ($accounts - 1)" | bc -l)" \
  "$(echo "($size_all - $size_one) / 1024 / ($accounts - 1)" | bc -l)" \
  "$(echo "$t_all / $t_one" | bc -l)"
