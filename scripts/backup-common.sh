# Shared by backup.sh and restore-drill.sh (sourced, not run).

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# The PostgreSQL client programs: from PG_BIN when set, else the newest Debian/Ubuntu installation
# (/usr/lib/postgresql/<version>/bin), else whatever is on PATH.
pg_tool() {
  local name=$1 dir
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/$name" ]] || die "PG_BIN=$PG_BIN has no $name"
    echo "$PG_BIN/$name"; return
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/$name" ]]; then echo "$dir/$name"; return; fi
  command -v "$name" || die "$name not found: install the PostgreSQL client (postgresql-client-17) or set PG_BIN"
}

PSQL=$(pg_tool psql)
PG_DUMP=$(pg_tool pg_dump)
PG_RESTORE=$(pg_tool pg_restore)

# pg_dump refuses a server newer than itself; say so plainly, with what to do.
check_client_version() {
  local url=$1 server client
  server=$("$PSQL" "$url" -X -At -c 'SHOW server_version_num') || die "cannot connect to the database"
  server=$((server / 10000))
  client=$("$PG_DUMP" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
  (( client >= server )) || die "the server is PostgreSQL $server but $PG_DUMP is $client: install postgresql-client-$server (apt.postgresql.org) or point PG_BIN at its bin folder"
}

# One line per table, `schema.table|rows`, for every ordinary table (partitions included), with
# exact counts: in backup.sh it runs inside the dump's snapshot.
COUNT_ROWS_SQL="
SELECT format('%I.%I', n.nspname, c.relname) || '|' ||
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1;"
