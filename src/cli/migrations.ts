import { migrationStatus, rollbackLastMigration } from '../db/migrate.js';
import { writeAudit } from '../features/moderation/audit.js';
import { EXIT, auditReason, defineCommand } from './command.js';

// migrations status / rollback. The server applies pending migrations when it starts; a rollback
// is for going back to the previous version of the code (stop the server, roll back, start the
// older version): started again as the newer version, the server would apply it once more.

export const status = defineCommand<null>({
  name: 'migrations status',
  args: '',
  summary: 'list applied and pending migrations',
  help: [
    'Pending ones are applied by the server when it starts. "Unknown" ones were applied by a newer version of Ashiato.',
  ],
  changes: false,
  async input(positionals) {
    return positionals.length
      ? { ok: false, errors: [`unexpected argument ${JSON.stringify(positionals[0])}`] }
      : { ok: true, input: null };
  },
  async run({ db, out }) {
    const s = await migrationStatus(db);
    const last = s.applied.at(-1);
    out(
      `applied: ${s.applied.length}${last ? ` (last: ${last.name}, batch ${last.batch}, ${last.at.toISOString()})` : ''}`,
    );
    out(`pending: ${s.pending.length}${s.pending.length ? ` (${s.pending.join(', ')})` : ''}`);
    if (s.unknown.length) out(`unknown to this version: ${s.unknown.join(', ')}`);
    return EXIT.ok;
  },
});

export const rollback = defineCommand<{ name: string }>({
  name: 'migrations rollback',
  args: '<name of the last migration>',
  summary: 'undo the last applied migration (named, as a confirmation)',
  help: [
    'Stop the server first. Give the name `migrations status` shows as last: any other name is',
    'refused, so that a typo or a stale copy-paste undoes nothing. The schema change, its',
    'bookkeeping row and the audit row commit together. Data the migration added may be lost:',
    'back up first (scripts/backup.sh). Start the previous version of Ashiato afterwards; this',
    'version would apply the migration again when it starts.',
  ],
  changes: true,
  async input(positionals) {
    if (positionals.length !== 1 || !/^[0-9]{3}_[a-z0-9_]+$/.test(positionals[0])) {
      return {
        ok: false,
        errors: [
          '<name>: expected the name of the last applied migration, e.g. 065_friend_request_declined_at (see migrations status)',
        ],
      };
    }
    return { ok: true, input: { name: positionals[0] } };
  },
  async run({ db, now, out, err }, input) {
    const result = await rollbackLastMigration(db, input.name, async (trx) => {
      // Audited only where the log outlives the rollback (it is made by a migration too).
      if (!(await trx.schema.hasTable('audit_log'))) return;
      await writeAudit(trx, {
        staffId: null,
        action: 'migration.rollback',
        targetType: 'migration',
        targetId: Number(input.name.slice(0, 3)),
        reason: auditReason('migrations rollback'),
        before: { migration: input.name, applied: true },
        after: { applied: false },
        at: now,
      });
    });
    if (!result.ok) {
      const why = {
        none: 'no migration has been applied',
        not_last: `the last applied migration is ${result.last}, not ${input.name}`,
        unknown: `the last applied migration, ${result.last}, is not part of this version of Ashiato: roll it back with the version that applied it`,
        locked: 'migrations are running (a server is starting?); try again when it is up, after stopping it',
      }[result.reason];
      err(`${why}; nothing changed`);
      return result.reason === 'not_last' ? EXIT.usage : EXIT.refused;
    }
    out(
      `rolled back ${result.name} (audited). Start the previous version of Ashiato now: this one would apply it again.`,
    );
    return EXIT.ok;
  },
});
