import type { Db } from '../../../db/knex.js';
import { writeAudit } from '../audit.js';
import { resolveReports } from '../reports/reports.js';
import { lockHiddenState, setHiddenState, type HideableType } from './state.js';
import type { Act, ActionResult } from '../actions.js';

// Staff hide content (its text never leaves the database again, CONTEXT.md) or show it again. Like
// every staff action: one transaction that ends with its audit row.

/** Hides content with a reason shown in its place everywhere; its open reports are closed as acted on. */
export async function hideContent(
  db: Db,
  input: Act & { type: HideableType; id: number },
): Promise<ActionResult<'already'>> {
  return db.transaction(async (trx) => {
    const state = await lockHiddenState(trx, input.type, input.id);
    if (!state) return { ok: false, reason: 'not_found' };
    if (state.hidden_at) return { ok: false, reason: 'already' };
    await setHiddenState(trx, input.type, input.id, { hidden_at: input.at, hidden_reason: input.reason });
    const closed = await resolveReports(trx, {
      type: input.type,
      id: input.id,
      status: 'actioned',
      by: input.staffId,
      at: input.at,
    });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: `${input.type}.hide`,
      targetType: input.type,
      targetId: input.id,
      subjectMemberId: state.owner_id,
      reason: input.reason,
      before: { hidden: false },
      after: { hidden: true, hidden_reason: input.reason, reports_closed: closed },
      at: input.at,
    });
    return { ok: true };
  });
}

/** Shows hidden content again. */
export async function restoreContent(
  db: Db,
  input: Act & { type: HideableType; id: number },
): Promise<ActionResult<'not_hidden'>> {
  return db.transaction(async (trx) => {
    const state = await lockHiddenState(trx, input.type, input.id);
    if (!state) return { ok: false, reason: 'not_found' };
    if (!state.hidden_at) return { ok: false, reason: 'not_hidden' };
    await setHiddenState(trx, input.type, input.id, { hidden_at: null, hidden_reason: null });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: `${input.type}.restore`,
      targetType: input.type,
      targetId: input.id,
      subjectMemberId: state.owner_id,
      reason: input.reason,
      before: { hidden: true, hidden_at: state.hidden_at, hidden_reason: state.hidden_reason },
      after: { hidden: false },
      at: input.at,
    });
    return { ok: true };
  });
}
