#!/usr/bin/env bash
# Benchmark of `preau roster import` on a synthetic roster: 6,000 pupils in 240 classes of
# 7 schools and 10,000 guardians (ONDE's current headers, UTF-8). Times the dry run on an
# empty database, the --apply, and the dry run of the same files again (16,000 accounts);
# then the Cloudflare path against a local D1 (the miniflare database `wrangler dev` uses):
# export, plan with --d1-export --sql, `wrangler d1 execute --file`, and again
# (PREAU_SKIP_D1=1 skips that part).
#
#   bash benches/roster.sh            # release build
#   PREAU=target/debug/preau bash benches/roster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PREAU:-}" ]; then
  cargo build --release --quiet
  PREAU="${CARGO_TARGET_DIR:-target}/release/preau"
fi
work=$(mktemp -d)
[ "${PREAU_BENCH_KEEP:-}" = 1 ] && echo "dossier de travail gardé : $work" >&2 || trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, os
d = sys.argv[1]
os.makedirs(f"{d}/data", exist_ok=True)
classes = [(s, c) for s in range(7) for c in range(35)][:240]
PH = "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Adresse1;Cp1;Commune1;Pays1;Adresse2;Cp2;Commune2;Pays2; Cycle;Niveau;Libellé classe;Identifiant classe;Attestation fournie;Autorisation associations;Autorisation photo;Décision de passage;"
pupils, family_of = [PH], {}
for p in range(6000):
    f = p // 2 if p < 4000 else p - 2000          # 2,000 pairs of siblings, 2,000 only children
    family_of.setdefault(f, []).append(p)
    s, c = classes[p % 240]
    day, month, year = 1 + p % 28, 1 + (p // 28) % 12, 2015 + p % 6
    photo = "Non" if p % 9 == 0 else "Oui"
    pupils.append(f"NOM{f};;Prénom{p};{day:02}/{month:02}/{year};F;{p:09}XX;{p} rue Synthétique;45100;Alpha;FRANCE;;;;;2;CE1;E{s} C{c};{s*100+c};Oui;Oui;{photo};;")
open(f"{d}/eleves.csv", "w").write("\n".join(pupils) + "\n")
GH = "Civilité Responsable;Nom usage responsable;Nom responsable;Prénom responsable;Adresse responsable;CP responsable;Commune responsable;Pays;Courriel;Téléphone domicile;Téléphone travail;Téléphone portable" + ";Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants" * 2
rows, guardians = [GH], 0
for f, kids in family_of.items():
    for g in range(3 if f < 2000 else 2):
        guardians += 1
        by_class = {}
        for k in kids:
            s, c = classes[k % 240]
            by_class.setdefault(f"E{s} C{c}", []).append(k)
        for label, ks in by_class.items():
            cells = ["MME", "", f"NOM{f}", f"Resp{g}", f"{f} rue Synthétique", "45100", "Alpha", "FRANCE", f"r{f}.{g}@example.org", "", "", "0600000000"]
            for k in ks:
                cells += ["", f"NOM{f}", f"Prénom{k}", label]
            cells += [""] * (20 - len(cells))
            rows.append(";".join(cells))
open(f"{d}/responsables.csv", "w").write("\n".join(rows) + "\n")
with open(f"{d}/classes.toml", "w") as m:
    m.write("[classes]\n")
    for s, c in classes:
        m.write(f'"E{s} C{c}" = "ecole-{s}/classe-{c}"\n')
print(f"{len(pupils)-1} élèves, {guardians} responsables ({len(rows)-1} lignes)", file=sys.stderr)
PY
run() {
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$PREAU" -q roster import --data "$work/data" --site "$work/site" --mapping "$work/classes.toml" \
    "$work/eleves.csv" "$work/responsables.csv" "$@" > "$work/out.txt"
  end=$(date +%s.%N)
  printf '%-44s %6.2f s  (%s)\n' "$label" "$(echo "$end - $start" | bc)" "$(grep -c '^  ' "$work/out.txt" || true) lignes de changements"
}
run "simulation, base vide" 
run "--apply, base vide" --apply
run "simulation, même fichiers (16 000 comptes)"
run "--apply, même fichiers (aucun changement)" --apply
ls -la "$work/data/preau.sqlite3" | awk '{printf "base SQLite : %.1f Mo\n", $5/1048576}'

if [ "${PREAU_SKIP_D1:-}" = "1" ]; then exit 0; fi
# The same roster into D1: the town's IT team's commands, with --local instead of --remote.
# Its own config (absolute paths), so the local D1 state lives in $work/cf/.wrangler, where
# `d1 export` (which has no --persist-to) reads it.
mkdir -p "$work/cf" "$work/site"
sed -e "s|^migrations_dir = .*|migrations_dir = \"$PWD/edge/migrations\"|" \
    -e "s|^directory = .*|directory = \"$work/site\"|" \
    -e "s|^main = .*|main = \"$PWD/build/worker/entry.mjs\"|" wrangler.toml > "$work/cf/wrangler.toml"
d1=(scripts/wrangler.sh d1 --config "$work/cf/wrangler.toml")
step() {
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > "$work/step.txt" 2>&1 || { cat "$work/step.txt"; exit 1; }
  end=$(date +%s.%N)
  printf '%-44s %6.2f s\n' "$label" "$(echo "$end - $start" | bc)"
}
rm -rf "$work/data/preau.sqlite3"*
step "D1 : migrations (base vide)" "${d1[@]}" migrations apply DB --local
step "D1 : export" "${d1[@]}" export DB --local --output "$work/d1.sql"
step "D1 : simulation et SQL (base vide)" "$PREAU" -q roster import --data "$work/data" --site "$work/site" \
  --mapping "$work/classes.toml" "$work/eleves.csv" "$work/responsables.csv" --d1-export "$work/d1.sql" --sql "$work/roster.sql"
ls -la "$work/roster.sql" | awk '{printf "  fichier SQL : %.1f Mo, ", $5/1048576}'
grep -c . "$work/roster.sql" | awk '{printf "%d instructions\n", $1}'
step "D1 : wrangler d1 execute --file" "${d1[@]}" execute DB --local --yes --file "$work/roster.sql"
rm -f "$work/d1.sql"
step "D1 : export (16 000 comptes)" "${d1[@]}" export DB --local --output "$work/d1.sql"
step "D1 : simulation, mêmes fichiers" "$PREAU" -q roster import --data "$work/data" --site "$work/site" \
  --mapping "$work/classes.toml" "$work/eleves.csv" "$work/responsables.csv" --d1-export "$work/d1.sql" --sql "$work/again.sql"
grep -c . "$work/again.sql" | awk '{printf "  instructions la deuxième fois : %d\n", $1}' || true
