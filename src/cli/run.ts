// The command table and how one command runs (index.ts is the program; admin-grant.ts an alias).
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { CONFIG_ERROR_HEADING, configErrorLines } from '../config-errors.js';
import { createDb } from '../db/knex.js';
import { EXIT, type Command } from './command.js';
import { findServersDatabase } from './servers-database.js';
import * as invitations from './invitations.js';
import * as maintenance from './maintenance.js';
import * as members from './members.js';
import * as migrations from './migrations.js';
import * as photos from './photos.js';
import * as sms from './sms.js';
import * as staff from './staff.js';

export const COMMANDS: Command<never>[] = [
  members.createMember,
  members.suspend,
  members.unsuspend,
  staff.grant,
  staff.revoke,
  migrations.status,
  migrations.rollback,
  sms.resend,
  maintenance.prune,
  photos.copyToS3,
  photos.sweepOrphans,
  invitations.on,
  invitations.off,
  invitations.status,
] as Command<never>[];

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

function usageLine(c: Command<never>): string {
  return `npm run ashiato -- ${c.name}${c.args ? ` ${c.args}` : ''}`;
}

function overallHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: npm run ashiato -- <command> [arguments]     (in the container: node dist/src/cli/index.js …)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "`<command> --help` explains one. Every command uses the database of this checkout's server",
    '(DATABASE_URL, else the embedded PostgreSQL of EMBEDDED_PG_DIR on EMBEDDED_PG_PORT) and says which.',
    'Exit codes: 0 done, 1 refused (nothing changed), 2 bad usage or input, 3 no database to use.',
  ].join('\n');
}

function commandHelp(c: Command<never>): string {
  return [`usage: ${usageLine(c)}`, '', `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`, ...c.help].join('\n');
}

function loadConfigOrNull(): Config | null {
  try {
    return loadConfig();
  } catch (e) {
    err([CONFIG_ERROR_HEADING, ...configErrorLines(e)].join('\n'));
    return null;
  }
}

export async function main(argv: string[]): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length ? out : err)(overallHelp());
    return argv.length ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => argv.slice(0, c.name.split(' ').length).join(' ') === c.name);
  if (!command) {
    err(`ashiato: unknown command ${JSON.stringify(argv.slice(0, 2).join(' '))}\n\n${overallHelp()}`);
    return EXIT.usage;
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv.slice(command.name.split(' ').length),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    err(`ashiato ${command.name}: ${(e as Error).message}\nusage: ${usageLine(command)}`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return EXIT.ok;
  }
  const input = await command.input(parsed.positionals, parsed.values);
  if (!input.ok) {
    err(
      [
        `ashiato ${command.name}: nothing changed, the input is wrong:`,
        ...input.errors.map((l) => `  ${l}`),
        `usage: ${usageLine(command)}`,
      ].join('\n'),
    );
    return EXIT.usage;
  }

  const config = loadConfigOrNull();
  if (!config) return 1; // as the server: a wrong setting exits 1
  const found = await findServersDatabase(config);
  if (!found.ok) {
    err(`ashiato ${command.name}: nothing changed. ${found.reason}`);
    return EXIT.noDatabase;
  }
  out(`ashiato ${command.name}: ${command.changes ? 'changing' : 'reading'} the ${found.description}`);
  const db = createDb(found.url, { max: 2, applicationName: 'ashiato-cli' });
  try {
    return await command.run({ db, url: found.url, config, now: new Date(), out, err }, input.input as never);
  } finally {
    await db.destroy();
  }
}
