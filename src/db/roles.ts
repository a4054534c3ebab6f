import crypto from 'node:crypto';
import pg from 'pg';
import type { Knex } from 'knex';
import { DB_TIMEOUTS } from './knex.js';

// Two database roles, always (README, "Database roles"). DATABASE_URL names the owner: it runs the
// migrations and creates the job queue's schema, and owns every table. Pages, jobs, the session
// store, the footprint writer and the rate limiters connect as the app's login role, which may read
// and write rows and nothing more: no TRUNCATE, no DDL, not a superuser, so it can neither set
// session_replication_role nor disable the audit log's triggers.
//
// DATABASE_APP_URL names that role when an operator made it (a managed database) or when its password
// is a secret of its own (docker-compose, behind PgBouncer: made when missing); otherwise the
// owner, when it may create roles, keeps one itself: `<database>_app`, whose password is derived
// from SESSION_SECRET, so every process and every restart agrees on it without storing it.
// Either way its grants are set again after every migration run, from the rules below.

/** Schemas whose tables the app reads and writes: the app's own and the job queue's (pg-boss). */
const SCHEMAS = ['public', 'pgboss'];
/** Tables the app may only read and append to. */
const APPEND_ONLY = ['public.audit_log'];
/** Tables the app never touches: the migration runner's bookkeeping. */
const OWNER_ONLY = ['public.knex_migrations', 'public.knex_migrations_lock'];

export function appRoleName(database: string): string {
  return `${database}_app`.slice(0, 63);
}

/** The app role's password: one HMAC of SESSION_SECRET per role name, never stored anywhere. */
export function appRolePassword(secret: string, role: string): string {
  return crypto.createHmac('sha256', secret).update(`ashiato database role:${role}`).digest('hex');
}

/**
 * The password as PostgreSQL stores it (RFC 5802, SCRAM-SHA-256), so the plain text is never part
 * of a statement a server log could keep.
 */
export function scramVerifier(password: string, salt = crypto.randomBytes(16), iterations = 4096): string {
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => crypto.createHmac('sha256', key).update(text).digest();
  const storedKey = crypto.createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Whether `password` is the one a stored SCRAM-SHA-256 verifier was made from. */
export function scramMatches(verifier: string | null, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$[^:]+:.+$/.exec(verifier ?? '');
  return m !== null && scramVerifier(password, Buffer.from(m[2], 'base64'), Number(m[1])) === verifier;
}

/** `url` with another user and password (host, database and parameters kept). */
export function withLogin(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Makes sure the app role exists with exactly its privileges, and returns the URL the app connects
 * with. Run by the owner after the migrations and the job queue's schema.
 */
export async function keepAppRole(
  owner: Knex,
  opts: { ownerUrl: string; appUrl?: string; secret: string },
): Promise<string> {
  return owner.transaction(async (trx) => {
    // One process at a time per database: concurrent GRANTs on one object fail.
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('ashiato app role'))`);
    const {
      rows: [me],
    } = await trx.raw<{ rows: { user: string; database: string; super: boolean; createrole: boolean }[] }>(
      `SELECT current_user AS user, current_database() AS database, rolsuper AS super, rolcreaterole AS createrole
       FROM pg_roles WHERE rolname = current_user`,
    );
    let role: string;
    let appUrl: string;
    if (opts.appUrl) {
      role = userOf(opts.appUrl);
      appUrl = opts.appUrl;
      if (role === me.user)
        throw new Error(
          'DATABASE_APP_URL names the same role as DATABASE_URL: the app must connect as a role of its own, not as the owner of the tables (README, "Database roles")',
        );
      const { rowCount } = await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role]);
      // An owner that may create roles makes a missing one with the URL's password (docker-compose's
      // app role behind PgBouncer, whose userlist holds the same secret); a superuser also sets it on
      // an existing one whose password differs (a deployment that had the derived one before).
      const password = decodeURIComponent(new URL(appUrl).password);
      if (!rowCount && (me.super || me.createrole) && password) {
        await trx.raw(`CREATE ROLE ${ident(role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
      } else if (rowCount && me.super && password) {
        const {
          rows: [stored],
        } = await trx.raw<{ rows: { rolpassword: string | null }[] }>(
          'SELECT rolpassword FROM pg_authid WHERE rolname = ?',
          [role],
        );
        if (!scramMatches(stored.rolpassword, password))
          await trx.raw(`ALTER ROLE ${ident(role)} WITH PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
      } else if (!rowCount) {
        throw new Error(
          `DATABASE_APP_URL: the role "${role}" does not exist; create it (CREATE ROLE ... LOGIN PASSWORD ...) or leave DATABASE_APP_URL unset so that the owner makes one`,
        );
      }
    } else {
      if (!me.super && !me.createrole) {
        throw new Error(
          `DATABASE_URL's role "${me.user}" may not create roles, and DATABASE_APP_URL is not set: create a login role for the app and name it in DATABASE_APP_URL (README, "Database roles")`,
        );
      }
      role = appRoleName(me.database);
      const password = appRolePassword(opts.secret, role);
      const { rowCount } = await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role]);
      // A new role has no administrative attributes; an existing one is checked below (changing
      // SUPERUSER or REPLICATION, even to off, is for superusers only).
      await trx.raw(
        `${rowCount ? 'ALTER' : 'CREATE'} ROLE ${ident(role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`,
      );
      appUrl = withLogin(opts.ownerUrl, role, password);
    }
    await grantAppPrivileges(trx, role, me.database);
    // Behind PgBouncer the app's connections carry no startup settings (pgTimeouts): the role's own
    // limits in this database stand in for them. An operator's role on a managed database may not
    // be ours to alter: its limits are the operator's (docs/scaling.md, "PgBouncer").
    if (me.super || !opts.appUrl) await setRoleLimits(trx, role, me.database);
    await assertLeastPrivilege(trx, role);
    return appUrl;
  });
}

/** Revokes and grants again, so a rule changed here (or a table added) takes effect on the next start. */
async function grantAppPrivileges(trx: Knex.Transaction, role: string, database: string): Promise<void> {
  const r = ident(role);
  const { rows } = await trx.raw<{ rows: { nspname: string }[] }>(
    'SELECT nspname FROM pg_namespace WHERE nspname = ANY(?)',
    [SCHEMAS],
  );
  const schemas = rows.map((x) => ident(x.nspname)).join(', ');
  await trx.raw(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${r}`);
  await trx.raw(`GRANT USAGE ON SCHEMA ${schemas} TO ${r}`);
  await trx.raw(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schemas} FROM ${r}`);
  await trx.raw(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schemas} FROM ${r}`);
  await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schemas} TO ${r}`);
  await trx.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schemas} TO ${r}`);
  for (const table of APPEND_ONLY) await trx.raw(`REVOKE UPDATE, DELETE ON ${table} FROM ${r}`);
  for (const table of OWNER_ONLY) await trx.raw(`REVOKE ALL ON ${table} FROM ${r}`);
  // PostgreSQL before 15 lets every role create tables in public.
  const {
    rows: [pub],
  } = await trx.raw<{ rows: { create: boolean }[] }>(`SELECT has_schema_privilege(?, 'public', 'CREATE') AS create`, [
    role,
  ]);
  if (pub.create) await trx.raw('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
}

/** The app's statement and idle-in-transaction limits as the role's defaults in `database`. */
async function setRoleLimits(trx: Knex.Transaction, role: string, database: string): Promise<void> {
  for (const [name, ms] of [
    ['statement_timeout', DB_TIMEOUTS.statementMs],
    ['idle_in_transaction_session_timeout', DB_TIMEOUTS.idleInTransactionMs],
  ] as const) {
    await trx.raw(`ALTER ROLE ${ident(role)} IN DATABASE ${ident(database)} SET ${name} = ${Number(ms)}`);
  }
}

/** Refuses to go on when the app role could change the schema or rewrite the audit log. */
async function assertLeastPrivilege(trx: Knex.Transaction, role: string): Promise<void> {
  const {
    rows: [r],
  } = await trx.raw<{ rows: Record<string, boolean>[] }>(
    `SELECT r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication AS "has administrative attributes",
            pg_has_role(r.oid, current_user, 'USAGE') AS "inherits the owner's privileges",
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = r.oid AND n.nspname <> 'pg_toast' AND n.nspname NOT LIKE 'pg_temp%') AS "owns tables",
            has_database_privilege(r.oid, current_database(), 'CREATE') AS "may create schemas",
            has_schema_privilege(r.oid, 'public', 'CREATE') AS "may create tables in public",
            has_table_privilege(r.oid, 'audit_log', 'UPDATE, DELETE, TRUNCATE') AS "may change the audit log"
     FROM pg_roles r WHERE r.rolname = ?`,
    [role],
  );
  const wrong = Object.entries(r)
    .filter(([, bad]) => bad)
    .map(([what]) => what);
  if (wrong.length)
    throw new Error(
      `the app's database role "${role}" ${wrong.join(', ')}: it must only read and write rows (README, "Database roles")`,
    );
}
