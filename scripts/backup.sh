#!/usr/bin/env bash
# Backs up Ashiato into a folder: the database as a pg_dump custom-format archive, the row count of
# every table as of that dump, and the uploaded photos as a tar. Run it from cron; see README.md
# ("Backups") and scripts/restore-drill.sh, which proves a backup restores.
#
#   DATABASE_URL=postgres://… UPLOADS_DIR=/app/uploads scripts/backup.sh /var/backups/ashiato
#
# Writes ashiato-<UTC time>.dump, ashiato-<UTC time>.counts and uploads-<UTC time>.tar.gz; files
# appear under their final names only when complete. Refuses (exit 1, no backup written) when the
# database has photos but UPLOADS_DIR is missing or empty. PG_BIN picks the PostgreSQL client programs.
# With PHOTO_STORAGE=s3 the photos are in a bucket, not in UPLOADS_DIR: the database only, and the
# bucket's own versioning or replication keeps the photos (docs/operations.md, "Backups").
set -euo pipefail
source "$(dirname "$0")/backup-common.sh"

target=${1:-${BACKUP_DIR:-}}
[[ -n "$target" ]] || die "usage: $0 TARGET_DIR (or set BACKUP_DIR)"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set"
uploads=${UPLOADS_DIR:-.data/uploads}
photo_storage=${PHOTO_STORAGE:-disk}
[[ "$photo_storage" == disk || "$photo_storage" == s3 ]] || die "PHOTO_STORAGE: expected disk or s3, got \"$photo_storage\""
check_client_version "$DATABASE_URL"

umask 077 # password hashes and phone numbers: readable by this user only
mkdir -p "$target"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$target/ashiato-$stamp"
partial=()
cleanup() { rm -f "${partial[@]}"; }
trap cleanup EXIT

# A transaction that exports its snapshot holds it for pg_dump, so that the counts written next to
# the dump are the counts *in* the dump, however busy the site is meanwhile.
coproc SNAPSHOT { "$PSQL" "$DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 2>&1; }
say() { printf '%s\n' "$1" >&"${SNAPSHOT[1]}"; }
say 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;'
say 'SELECT pg_export_snapshot();'
read -r -t 60 snapshot <&"${SNAPSHOT[0]}" || die "could not open a snapshot"
[[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || die "could not open a snapshot: $snapshot"

partial+=("$base.counts.partial")
say "$COUNT_ROWS_SQL"
say '\echo -- end of counts'
while read -r -t 600 line <&"${SNAPSHOT[0]}"; do
  [[ "$line" == '-- end of counts' ]] && break
  [[ "$line" == *'|'* ]] || die "counting rows failed: $line"
  echo "$line" >>"$base.counts.partial"
done
[[ "${line:-}" == '-- end of counts' ]] || die "counting rows failed"

# A backup without the photos the database points at would restore as broken images: refuse it
# before dumping, whatever the cause (a wrong UPLOADS_DIR, an unmounted volume).
photos=$(sed -n 's/^public\.photos|//p' "$base.counts.partial")
if [[ "$photo_storage" == disk ]] && (( ${photos:-0} > 0 )); then
  [[ -d "$uploads" ]] || die "BACKUP REFUSED: the database has $photos photo(s) but there is no uploads folder at $uploads; set UPLOADS_DIR to the app's photo folder"
  [[ -n "$(find "$uploads" -type f -print -quit)" ]] || die "BACKUP REFUSED: the database has $photos photo(s) but the uploads folder $uploads is empty; set UPLOADS_DIR to the app's photo folder (is its volume mounted?)"
fi

partial+=("$base.dump.partial")
"$PG_DUMP" --format=custom --snapshot="$snapshot" --file="$base.dump.partial" "$DATABASE_URL"
say 'COMMIT;'
say '\q'
# bash unsets SNAPSHOT_PID once the coprocess has exited (psql may quit before we get here).
wait "${SNAPSHOT_PID:-}" 2>/dev/null || true

if [[ "$photo_storage" == s3 ]]; then
  echo "$(basename "$0"): PHOTO_STORAGE=s3: the ${photos:-0} photo(s) are in the bucket, kept by its versioning or replication; database only" >&2
elif [[ -d "$uploads" ]]; then
  partial+=("$target/uploads-$stamp.tar.gz.partial")
  tar -C "$uploads" -czf "$target/uploads-$stamp.tar.gz.partial" .
  mv "$target/uploads-$stamp.tar.gz.partial" "$target/uploads-$stamp.tar.gz"
else
  echo "$(basename "$0"): no uploads folder at $uploads and no photos in the database; database only" >&2
fi
mv "$base.counts.partial" "$base.counts"
mv "$base.dump.partial" "$base.dump" # last: a .dump always has its .counts
echo "backup: $base.dump ($(wc -l <"$base.counts") tables)"
