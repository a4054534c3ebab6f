import type { Db } from '../../../db/knex.js';
import {
  createNotice,
  deleteNotice,
  findNotice,
  updateNotice,
  type NoticeForm,
  type NoticeRow,
} from '../../notices/service.js';
import { writeAudit } from '../audit.js';
import type { ActionResult } from '../actions.js';

// Site notices written, changed and removed from the back office, each with its audit row.

const shown = (n: NoticeForm | NoticeRow) => ({
  title: n.title,
  body: n.body,
  starts_at: n.starts_at,
  ends_at: n.ends_at ?? null,
});

export async function publishNotice(db: Db, input: { staffId: number; form: NoticeForm; at: Date }): Promise<number> {
  return db.transaction(async (trx) => {
    const id = await createNotice(trx, { ...input.form, createdBy: input.staffId });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'notice.create',
      targetType: 'notice',
      targetId: id,
      after: shown(input.form),
      at: input.at,
    });
    return id;
  });
}

export async function editNotice(
  db: Db,
  input: { staffId: number; id: number; form: NoticeForm; at: Date },
): Promise<ActionResult> {
  return db.transaction(async (trx) => {
    const before = await findNotice(trx, input.id);
    if (!before || !(await updateNotice(trx, input.id, input.form))) return { ok: false, reason: 'not_found' };
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'notice.update',
      targetType: 'notice',
      targetId: input.id,
      before: shown(before),
      after: shown(input.form),
      at: input.at,
    });
    return { ok: true };
  });
}

export async function removeNotice(db: Db, input: { staffId: number; id: number; at: Date }): Promise<ActionResult> {
  return db.transaction(async (trx) => {
    const before = await findNotice(trx, input.id);
    if (!before || !(await deleteNotice(trx, input.id))) return { ok: false, reason: 'not_found' };
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'notice.delete',
      targetType: 'notice',
      targetId: input.id,
      before: shown(before),
      at: input.at,
    });
    return { ok: true };
  });
}
