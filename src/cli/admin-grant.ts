/**
 * The older spelling of `npm run ashiato -- staff grant|revoke`, kept for scripts and habits:
 * `npm run admin:grant -- <member id> [moderator|admin|member]` (default moderator; `member` takes
 * the role away). In the container: `node dist/src/cli/admin-grant.js …`. See src/cli/run.ts.
 */
import { main } from './run.js';

const [id, role = 'moderator', ...rest] = process.argv.slice(2);
const run =
  id === undefined || rest.length || !['moderator', 'admin', 'member'].includes(role)
    ? Promise.resolve((console.error('usage: npm run admin:grant -- <member id> [moderator|admin|member]'), 2))
    : main(role === 'member' ? ['staff', 'revoke', id] : ['staff', 'grant', id, '--role', role]);

run.then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
