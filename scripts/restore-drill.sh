#!/usr/bin/env bash
# Restore drill: restores the newest backup made by backup.sh into a scratch database on the same
# server and compares the row count of every table with the source's counts at the moment of the
# dump (the .counts file), and the photo rows with the photos in the uploads archive. Any
# difference, a missing table, a photo without its files or a failed restore → exit 1, loudly.
#
#   DATABASE_URL=postgres://… scripts/restore-drill.sh /var/backups/ashiato
#
# DRILL_DATABASE names the scratch database (default ashiato_restore_drill; dropped and recreated,
# dropped again at the end unless DRILL_KEEP=1). The role needs CREATEDB. PG_BIN as in backup.sh.
# PHOTO_STORAGE=s3: the photos are in a bucket, not in the backup; their rows are not compared.
set -euo pipefail
source "$(dirname "$0")/backup-common.sh"

dir=${1:-${BACKUP_DIR:-}}
[[ -n "$dir" && -d "$dir" ]] || die "usage: $0 BACKUP_DIR (or set BACKUP_DIR)"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set"
scratch=${DRILL_DATABASE:-ashiato_restore_drill}
[[ "$scratch" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DRILL_DATABASE must be a plain lower-case name"
check_client_version "$DATABASE_URL"

dump=$(ls -1 "$dir"/ashiato-*.dump 2>/dev/null | sort | tail -n 1 || true)
[[ -n "$dump" ]] || die "no ashiato-*.dump in $dir"
counts="${dump%.dump}.counts"
[[ -f "$counts" ]] || die "$counts is missing"
echo "restore drill: $dump"

# The scratch database's URL: DATABASE_URL with another database name (query parameters kept).
url_base=${DATABASE_URL%%\?*}
scratch_url="${url_base%/*}/$scratch${DATABASE_URL#"$url_base"}"
[[ "$scratch_url" != "$DATABASE_URL" ]] || die "the scratch database would be the source database"

sql() { PGOPTIONS="-c client_min_messages=warning" "$PSQL" "$DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
drop_scratch() { sql "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"; }
restored=$(mktemp) keys_restored=$(mktemp) keys_archived=$(mktemp) keys_source=$(mktemp)
finish() { rm -f "$restored" "$keys_restored" "$keys_archived" "$keys_source"; [[ "${DRILL_KEEP:-}" == 1 ]] || drop_scratch; }
drop_scratch
sql "CREATE DATABASE $scratch"
trap finish EXIT

"$PG_RESTORE" --exit-on-error --no-owner --no-privileges --dbname="$scratch_url" "$dump" \
  || die "RESTORE DRILL FAILED: pg_restore could not restore $dump"
"$PSQL" "$scratch_url" -X -q -At -v ON_ERROR_STOP=1 -c "$COUNT_ROWS_SQL" >"$restored"

# Every table of either side, with its count on each (MISSING where a side has no such table).
report=$(LC_ALL=C join -t '|' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 <(LC_ALL=C sort -t '|' -k1,1 "$counts") <(LC_ALL=C sort -t '|' -k1,1 "$restored"))
printf '%-48s %12s %12s\n' table source restored
bad=0
while IFS='|' read -r table expected got; do
  mark=''
  if [[ "$expected" != "$got" ]]; then mark='  <-- MISMATCH'; bad=$((bad + 1)); fi
  printf '%-48s %12s %12s%s\n' "$table" "$expected" "$got" "$mark"
done <<<"$report"

# Photos: every photo row restored must have its files in the uploads archive taken with the dump.
# A photo deleted from the site after the dump (row first, then files) may be missing from the
# archive: it is reported, not counted as lost, when the source no longer has it.
failed=()
((bad == 0)) || failed+=("$bad table(s) differ between the source and the restored copy")
uploads="$(dirname "$dump")/uploads-$(basename "${dump%.dump}" | sed 's/^ashiato-//').tar.gz"
"$PSQL" "$scratch_url" -X -q -At -v ON_ERROR_STOP=1 -c 'SELECT storage_key FROM public.photos' | LC_ALL=C sort -u >"$keys_restored"
photo_rows=$(wc -l <"$keys_restored")
if [[ -f "$uploads" ]]; then
  listing=$(tar -tzf "$uploads") || die "RESTORE DRILL FAILED: $uploads cannot be read"
  echo "uploads archive: $uploads ($(grep -cv '/$' <<<"$listing" || true) files, readable)"
  # Files are stored as <2 hex>/<32 hex storage key>/<variant>.jpg.
  sed -nE 's#^(\./)?[0-9a-f]{2}/([0-9a-f]{32})/[^/]+$#\2#p' <<<"$listing" | LC_ALL=C sort -u >"$keys_archived"
else
  echo "uploads archive: none next to this dump" >&2
fi
# Photos in an object store are not in the backup: nothing to compare them with here.
[[ "${PHOTO_STORAGE:-disk}" == s3 ]] && : >"$keys_restored"
missing=$(LC_ALL=C comm -23 "$keys_restored" "$keys_archived")
lost=0
if [[ -n "$missing" ]]; then
  "$PSQL" "$DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 -c 'SELECT storage_key FROM public.photos' | LC_ALL=C sort -u >"$keys_source"
  lost=$(LC_ALL=C comm -12 <(echo "$missing") "$keys_source" | wc -l)
fi
if [[ "${PHOTO_STORAGE:-disk}" == s3 ]]; then
  echo "photos: $photo_rows in the dump, kept in the object store (PHOTO_STORAGE=s3), not in this backup"
else
  echo "photos: $photo_rows in the dump, $(LC_ALL=C comm -12 "$keys_restored" "$keys_archived" | wc -l) of them in the uploads archive"
fi
deleted_since=$(( $(grep -c . <<<"$missing" || true) - lost ))
((deleted_since == 0)) || echo "photos deleted from the site since the dump, so absent from the archive: $deleted_since"
if ((lost > 0)); then
  failed+=("$lost photo(s) in the dump have no files in the uploads archive")
  LC_ALL=C comm -12 <(echo "$missing") "$keys_source" | head -n 5 | sed 's/^/  no files for photo /' >&2
fi

if ((${#failed[@]} > 0)); then
  for f in "${failed[@]}"; do echo "RESTORE DRILL FAILED: $f" >&2; done
  exit 1
fi
with_files="$photo_rows photo(s) with their files"
[[ "${PHOTO_STORAGE:-disk}" == s3 ]] && with_files="$photo_rows photo(s) in the object store"
echo "restore drill passed: $(wc -l <"$restored") tables, every row count matches, $with_files"
