/**
 * Grants a staff role: `npm run admin:grant -- <member id> [moderator|admin|member]` (default
 * moderator; `member` takes the role away). There is no default admin account: the first admin is
 * made with this command by someone with access to the server. The change is written to the audit
 * log (no staff member: the command line), and the member's sessions end so that their next login
 * starts a session with the new privileges. In the container: `node dist/src/cli/admin-grant.js …`.
 *
 * It changes the database the server of this checkout uses, found from the same settings
 * (DATABASE_URL, else the embedded PostgreSQL of EMBEDDED_PG_DIR on EMBEDDED_PG_PORT), says which
 * one before changing it, and refuses when that server is not running: it never starts a database
 * of its own, nor changes one that answers on the port but keeps its data in another checkout.
 */
import { loadConfig } from '../config.js';
import { createDb } from '../db/knex.js';
import { setRole } from '../features/moderation/actions.js';
import { findServersDatabase } from './servers-database.js';

const ROLES = ['moderator', 'admin', 'member'] as const;
type Role = (typeof ROLES)[number];

async function main(): Promise<number> {
  const [idArg, roleArg = 'moderator'] = process.argv.slice(2);
  const memberId = Number(idArg);
  if (!Number.isSafeInteger(memberId) || memberId <= 0 || !ROLES.includes(roleArg as Role)) {
    console.error('usage: npm run admin:grant -- <member id> [moderator|admin|member]');
    return 2;
  }
  const found = await findServersDatabase(loadConfig());
  if (!found.ok) {
    console.error(`admin:grant: nothing changed. ${found.reason}`);
    return 3;
  }
  console.log(`admin:grant: changing the ${found.description}`);
  const db = createDb(found.url, { max: 1 });
  try {
    const result = await setRole(db, { memberId, role: roleArg as Role, at: new Date() });
    if (!result.ok) {
      console.error(result.reason === 'unchanged' ? `member ${memberId} already has the role ${roleArg}` : `no active member with id ${memberId}`);
      return 1;
    }
    console.log(`member ${memberId} is now ${roleArg} (audited; their sessions have ended)`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
