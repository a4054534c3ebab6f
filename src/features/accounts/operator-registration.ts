import type { Knex } from 'knex';
import { z } from 'zod';
import { isAtLeastYearsOld, tokyoDate } from '../../lib/dates.js';
import { writeAudit } from '../moderation/audit.js';
import type { PasswordHasher } from './passwords.js';
import * as q from './queries.js';
import { PhoneForm, RegisterProfileForm } from './schemas.js';
import { MIN_AGE } from './service.js';

// A member made by an operator, without an SMS: the first admin of a site with no SMS provider
// yet, or support for someone whose handset cannot receive codes (`npm run ashiato -- member
// create`). The same rules as registration — the form's schemas, 18 or older, one account per
// number — but the operator vouches for the number instead of a code. Audited as the system's act.

export const OperatorMemberForm = PhoneForm.extend(RegisterProfileForm.omit({ agree: true }).shape);
export type OperatorMemberForm = z.infer<typeof OperatorMemberForm>;

export type OperatorRegisterResult =
  { ok: true; memberId: number } | { ok: false; reason: 'under_age' | 'phone_taken' };

export async function registerMemberByOperator(
  db: Knex,
  deps: { passwords: PasswordHasher; now: Date; reason: string },
  input: OperatorMemberForm,
): Promise<OperatorRegisterResult> {
  if (!isAtLeastYearsOld(input.birth_date, tokyoDate(deps.now), MIN_AGE)) return { ok: false, reason: 'under_age' };
  if (await q.phoneHasAccount(db, input.phone)) return { ok: false, reason: 'phone_taken' };
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const memberId = await db.transaction(async (trx) => {
      await q.upsertVerifiedPhone(trx, input.phone, deps.now);
      const id = await q.insertMember(trx, {
        phone: input.phone,
        nickname: input.nickname,
        birth_date: input.birth_date,
        password_hash: passwordHash,
        created_at: deps.now,
      });
      await writeAudit(trx, {
        staffId: null,
        action: 'member.create',
        targetType: 'member',
        targetId: id,
        subjectMemberId: id,
        reason: deps.reason,
        after: { nickname: input.nickname, birth_date: input.birth_date, phone_verified_by: 'operator' },
        at: deps.now,
      });
      return id;
    });
    return { ok: true, memberId };
  } catch (err) {
    // Two operators at once: the unique number decides.
    if ((err as { constraint?: string }).constraint === 'members_phone_key')
      return { ok: false, reason: 'phone_taken' };
    throw err;
  }
}
