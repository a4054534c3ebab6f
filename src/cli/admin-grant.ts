/**
 * Grants a staff role: `npm run admin:grant -- <member id> [moderator|admin|member]` (default
 * moderator; `member` takes the role away). There is no default admin account: the first admin is
 * made with this command by someone with access to the server. The change is written to the audit
 * log (no staff member: the command line), and the member's sessions end so that their next login
 * starts a session with the new privileges. In the container: `node dist/src/cli/admin-grant.js …`.
 */
import pg from 'pg';
import { loadConfig } from '../config.js';
import { createDb } from '../db/knex.js';
import { resolveDatabase } from '../db/database.js';
import { migrateLatest } from '../db/migrate.js';
import { setRole } from '../features/moderation/actions.js';

const ROLES = ['moderator', 'admin', 'member'] as const;
type Role = (typeof ROLES)[number];

/** The development server's embedded PostgreSQL, if it is already running (see db/embedded.ts). */
async function runningEmbeddedUrl(port: number): Promise<string | null> {
  const url = `postgres://postgres:ashiato-local@127.0.0.1:${port}/ashiato`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return url;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const [idArg, roleArg = 'moderator'] = process.argv.slice(2);
  const memberId = Number(idArg);
  if (!Number.isSafeInteger(memberId) || memberId <= 0 || !ROLES.includes(roleArg as Role)) {
    console.error('usage: npm run admin:grant -- <member id> [moderator|admin|member]');
    return 2;
  }
  const config = loadConfig();
  const running = config.databaseUrl ? null : await runningEmbeddedUrl(config.embeddedPgPort);
  const { url, embedded } = running ? { url: running, embedded: null } : await resolveDatabase(config);
  const db = createDb(url, { max: 1 });
  try {
    await migrateLatest(db);
    const result = await setRole(db, { memberId, role: roleArg as Role, at: new Date() });
    if (!result.ok) {
      console.error(result.reason === 'unchanged' ? `member ${memberId} already has the role ${roleArg}` : `no active member with id ${memberId}`);
      return 1;
    }
    console.log(`member ${memberId} is now ${roleArg} (audited; their sessions have ended)`);
    return 0;
  } finally {
    await db.destroy();
    if (embedded) await embedded.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
