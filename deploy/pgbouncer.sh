#!/bin/sh
# docker-compose's pgbouncer service: PgBouncer in transaction mode between the app and PostgreSQL
# (docs/scaling.md, "PgBouncer"). Writes its config into /tmp from the environment and the app role's
# password secret, then runs it in the foreground. Only the app's role is let in: the owner's
# migrations and the backups connect to the database directly.
#
#   DB_HOST, DB_PORT (5432), DB_NAME (ashiato)     the PostgreSQL behind it
#   APP_DB_USER (ashiato_app), APP_DB_PASSWORD_FILE the app's role and its password (a Docker secret)
#   POOL_SIZE (20)                                  server connections: 2-4x the database's cores
#   LISTEN_PORT (6432), MAX_CLIENT_CONN (1000), CONF_DIR (/tmp: a tmpfs in compose)
set -eu
umask 077
conf=${CONF_DIR:-/tmp}
[ -r "${APP_DB_PASSWORD_FILE:-}" ] || { echo "pgbouncer.sh: APP_DB_PASSWORD_FILE: cannot read ${APP_DB_PASSWORD_FILE:-(unset)}" >&2; exit 1; }
# $(cat) drops trailing newlines, as the app's entrypoint and the postgres image read their secrets.
password=$(cat "$APP_DB_PASSWORD_FILE")
[ -n "$password" ] || { echo "pgbouncer.sh: APP_DB_PASSWORD_FILE is empty" >&2; exit 1; }
# The userlist's quoting: a double quote is doubled.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
printf '%s %s\n' "$(quote "${APP_DB_USER:-ashiato_app}")" "$(quote "$password")" > "$conf/userlist.txt"
db=${DB_NAME:-ashiato}
cat > "$conf/pgbouncer.ini" <<INI
[databases]
${db} = host=${DB_HOST:?DB_HOST is required} port=${DB_PORT:-5432} dbname=${db}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = ${LISTEN_PORT:-6432}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${conf}/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL_SIZE:-20}
max_client_conn = ${MAX_CLIENT_CONN:-1000}
ignore_startup_parameters = extra_float_digits
INI
exec pgbouncer "$conf/pgbouncer.ini"
