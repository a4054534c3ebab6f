/**
 * The operator's command line: `npm run ashiato -- <command> [arguments]` (in compose,
 * `docker compose exec app ashiato <command> …`: deploy/ashiato builds DATABASE_URL as the entrypoint does), `--help` for the list, `<command> --help` for one.
 *
 * Every command runs on the database of this checkout's running server, found from the settings
 * the server reads (src/cli/servers-database.ts), as the owner (DATABASE_URL), and says which one
 * first. Arguments are checked before anything is touched; every change writes an audit row with
 * no staff member (the system). Exit codes: 0 done, 1 refused (nothing changed), 2 bad usage or
 * input, 3 no database of this checkout's server to use.
 */
import { main } from './run.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`ashiato: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
