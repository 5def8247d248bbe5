#!/bin/sh
# Daily backup of Préau's data folder, keeping the newest $PREAU_GARDER archives
# (run by preau-sauvegarde.service; copy the archives off the machine too).
set -eu
DATA="${PREAU_DATA:-/var/lib/preau/donnees}"
DIR="${PREAU_SAUVEGARDES:-/var/backups/preau}"
GARDER="${PREAU_GARDER:-14}"
case "$GARDER" in '' | *[!0-9]*) echo "PREAU_GARDER doit être un nombre" >&2; exit 2 ;; esac
mkdir -p "$DIR"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
preau backup --quiet --data "$DATA" --output "$DIR/preau-$stamp.tar"
# Names sort by date: remove all but the newest $GARDER.
ls -1 "$DIR"/preau-*.tar | sort -r | tail -n +"$((GARDER + 1))" | while read -r old; do
  rm -f -- "$old"
done
echo "Sauvegarde $DIR/preau-$stamp.tar ; $(ls -1 "$DIR"/preau-*.tar | wc -l) gardée(s) (au plus $GARDER)."
