#!/bin/sh
# The app container's entrypoint: builds DATABASE_URL from separate parts, then runs the command
# (the server by default; `docker compose run --rm app node dist/src/cli/….js` runs a CLI the same way).
#
#   DATABASE_HOST, DATABASE_PORT (5432), DATABASE_NAME (ashiato), DATABASE_USER (ashiato) and
#   DATABASE_PASSWORD_FILE (a Docker secret; or DATABASE_PASSWORD)
#
# and DATABASE_APP_URL (the app's own role) from DATABASE_APP_HOST, _PORT, _NAME, _USER and
# _PASSWORD_FILE alike.
#
# Every part is percent-encoded, so a password with `/`, `@`, `#`, `%` or `:` in it (any random one)
# reaches PostgreSQL as it is. The password file is read as the postgres image reads
# POSTGRES_PASSWORD_FILE (trailing newlines dropped), so one secret serves both. A DATABASE_URL or
# DATABASE_URL_FILE given instead is left alone (the app reads those itself).
set -eu

# build_url PREFIX: the URL from PREFIX_HOST, _PORT, _NAME, _USER and _PASSWORD_FILE (or _PASSWORD).
build_url() {
  node -e '
    const fs = require("node:fs");
    const e = process.env;
    const p = process.argv[1];
    const fail = (m) => { console.error("docker-entrypoint: " + m); process.exit(1); };
    let password = e[p + "_PASSWORD"] ?? "";
    if (e[p + "_PASSWORD_FILE"]) {
      if (e[p + "_PASSWORD"]) fail("set either " + p + "_PASSWORD or " + p + "_PASSWORD_FILE, not both");
      try { password = fs.readFileSync(e[p + "_PASSWORD_FILE"], "utf8").replace(/\n+$/, ""); }
      catch (err) { fail(p + "_PASSWORD_FILE: cannot read " + JSON.stringify(e[p + "_PASSWORD_FILE"]) + " (" + err.code + ")"); }
    }
    if (!password) fail(p + "_PASSWORD_FILE (or " + p + "_PASSWORD) is required with " + p + "_HOST");
    const port = e[p + "_PORT"] || "5432";
    if (!/^[0-9]{1,5}$/.test(port)) fail(p + "_PORT: expected a port number, got " + JSON.stringify(port));
    const enc = encodeURIComponent;
    const host = e[p + "_HOST"].includes(":") ? "[" + e[p + "_HOST"] + "]" : e[p + "_HOST"];
    process.stdout.write("postgres://" + enc(e[p + "_USER"] || "ashiato") + ":" + enc(password) + "@" + host + ":" + port + "/" + enc(e[p + "_NAME"] || "ashiato"));
  ' "$1"
}

if [ -z "${DATABASE_URL:-}" ] && [ -z "${DATABASE_URL_FILE:-}" ] && [ -n "${DATABASE_HOST:-}" ]; then
  DATABASE_URL=$(build_url DATABASE)
  export DATABASE_URL
fi
# The app's role the same way (through PgBouncer in docker-compose.yml: DATABASE_APP_HOST=pgbouncer).
if [ -z "${DATABASE_APP_URL:-}" ] && [ -z "${DATABASE_APP_URL_FILE:-}" ] && [ -n "${DATABASE_APP_HOST:-}" ]; then
  DATABASE_APP_URL=$(build_url DATABASE_APP)
  export DATABASE_APP_URL
fi
# The parts are not needed past this point; the password stays in its file.
unset DATABASE_PASSWORD DATABASE_APP_PASSWORD
exec "$@"
