#!/bin/sh
# The app container's entrypoint: builds DATABASE_URL from separate parts, then runs the command
# (the server by default; `docker compose run --rm app node dist/src/cli/….js` runs a CLI the same way).
#
#   DATABASE_HOST, DATABASE_PORT (5432), DATABASE_NAME (ashiato), DATABASE_USER (ashiato) and
#   DATABASE_PASSWORD_FILE (a Docker secret; or DATABASE_PASSWORD)
#
# Every part is percent-encoded, so a password with `/`, `@`, `#`, `%` or `:` in it (any random one)
# reaches PostgreSQL as it is. The password file is read as the postgres image reads
# POSTGRES_PASSWORD_FILE (trailing newlines dropped), so one secret serves both. A DATABASE_URL or
# DATABASE_URL_FILE given instead is left alone (the app reads those itself).
set -eu

if [ -z "${DATABASE_URL:-}" ] && [ -z "${DATABASE_URL_FILE:-}" ] && [ -n "${DATABASE_HOST:-}" ]; then
  DATABASE_URL=$(node -e '
    const fs = require("node:fs");
    const e = process.env;
    const fail = (m) => { console.error("docker-entrypoint: " + m); process.exit(1); };
    let password = e.DATABASE_PASSWORD ?? "";
    if (e.DATABASE_PASSWORD_FILE) {
      if (e.DATABASE_PASSWORD) fail("set either DATABASE_PASSWORD or DATABASE_PASSWORD_FILE, not both");
      try { password = fs.readFileSync(e.DATABASE_PASSWORD_FILE, "utf8").replace(/\n+$/, ""); }
      catch (err) { fail("DATABASE_PASSWORD_FILE: cannot read " + JSON.stringify(e.DATABASE_PASSWORD_FILE) + " (" + err.code + ")"); }
    }
    if (!password) fail("DATABASE_PASSWORD_FILE (or DATABASE_PASSWORD) is required with DATABASE_HOST");
    const port = e.DATABASE_PORT || "5432";
    if (!/^[0-9]{1,5}$/.test(port)) fail("DATABASE_PORT: expected a port number, got " + JSON.stringify(port));
    const enc = encodeURIComponent;
    const host = e.DATABASE_HOST.includes(":") ? "[" + e.DATABASE_HOST + "]" : e.DATABASE_HOST;
    process.stdout.write("postgres://" + enc(e.DATABASE_USER || "ashiato") + ":" + enc(password) + "@" + host + ":" + port + "/" + enc(e.DATABASE_NAME || "ashiato"));
  ')
  export DATABASE_URL
fi
# The parts are not needed past this point; the password stays in its file.
unset DATABASE_PASSWORD
exec "$@"
