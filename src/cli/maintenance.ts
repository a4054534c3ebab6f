import { pruneExpired } from '../jobs/maintenance.js';
import { pruneFootprints } from '../features/footprints/partitions.js';
import { writeAudit } from '../features/moderation/audit.js';
import { EXIT, auditReason, defineCommand } from './command.js';

// prune: what the maintenance jobs do every 5 minutes (expired sessions, rate-limit windows, old
// verification codes) and every night (footprints past 90 days), now — before a backup, or when
// the server has been down. One audit row with the counts.

export const prune = defineCommand<null>({
  name: 'prune',
  args: '',
  summary: 'delete expired sessions, rate limits, verification codes and old footprints now',
  help: ['The same work as the background maintenance jobs; safe while the server runs.'],
  changes: true,
  async input(positionals) {
    return positionals.length
      ? { ok: false, errors: [`unexpected argument ${JSON.stringify(positionals[0])}`] }
      : { ok: true, input: null };
  },
  async run({ db, now, out }) {
    const expired = await pruneExpired(db, now);
    const footprints = await pruneFootprints(db, now);
    const after = {
      ...expired,
      footprintRows: footprints.deletedRows,
      footprintPartitions: footprints.droppedPartitions,
    };
    await db.transaction((trx) =>
      writeAudit(trx, {
        staffId: null,
        action: 'maintenance.prune',
        targetType: 'maintenance',
        targetId: 0,
        reason: auditReason('prune'),
        after,
        at: now,
      }),
    );
    out(
      `pruned: ${expired.sessions} sessions, ${expired.rateLimits} rate-limit windows, ${expired.phoneVerifications} verification codes, ${footprints.deletedRows} footprints${footprints.droppedPartitions.length ? ` (partitions dropped: ${footprints.droppedPartitions.join(', ')})` : ''} (audited)`,
    );
    return EXIT.ok;
  },
});
