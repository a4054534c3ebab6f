import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';
import { FRIEND_LIMIT } from '../friends/service.js';
import { writeAudit } from '../moderation/audit.js';
import { countMadeSince, isInvitationOnly } from './queries.js';

// Invitations (CONTEXT.md): made by a member within a monthly allowance, single use, 14 days,
// consumed in the registration's own transaction, which also makes the two members friends.

export const INVITATION_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** 144 random bits as the link carries them; only their SHA-256 is stored. */
export function newInvitationCode(): string {
  return randomBytes(18).toString('base64url');
}

export function hashInvitationCode(code: string): Buffer {
  return createHash('sha256').update(code, 'utf8').digest();
}

/** The first instant of the calendar month in Asia/Tokyo (no daylight saving: a fixed +09:00). */
export function tokyoMonthStart(now: Date): Date {
  return new Date(`${tokyoDate(now).slice(0, 7)}-01T00:00:00+09:00`);
}

export type CreateInvitationResult =
  { ok: true; id: number; code: string } | { ok: false; reason: 'allowance' | 'unavailable' };

/**
 * The inviter's member row is locked first: two creations at once queue there, so the second
 * counts the first and the allowance cannot be exceeded by concurrent posts.
 */
export async function createInvitation(
  db: Knex,
  input: { inviterId: number; note: string; at: Date; perMonth: number },
): Promise<CreateInvitationResult> {
  return db.transaction(async (trx) => {
    const me = await trx('members').select('status').where({ id: input.inviterId }).forUpdate().first();
    if (!me || me.status !== 'active') return { ok: false as const, reason: 'unavailable' as const };
    if ((await countMadeSince(trx, input.inviterId, tokyoMonthStart(input.at))) >= input.perMonth)
      return { ok: false as const, reason: 'allowance' as const };
    const code = newInvitationCode();
    const [row] = await trx('invitations')
      .insert({
        inviter_id: input.inviterId,
        code_hash: hashInvitationCode(code),
        note: input.note,
        created_at: input.at,
        expires_at: new Date(input.at.getTime() + INVITATION_DAYS * DAY_MS),
      })
      .returning('id');
    return { ok: true as const, id: Number(row.id), code };
  });
}

/** Only the inviter's own, still unused and unrevoked invitation; false otherwise (the page's 404). */
export async function revokeInvitation(db: Knex, input: { inviterId: number; id: number; at: Date }): Promise<boolean> {
  const n = await db('invitations')
    .where({ id: input.id, inviter_id: input.inviterId })
    .whereNull('used_at')
    .whereNull('revoked_at')
    .update({ revoked_at: input.at });
  return n === 1;
}

/** Usable: not used, not revoked, not expired, and its inviter still an active member. */
export async function findUsableInvitation(
  db: Knex,
  code: string,
  now: Date,
): Promise<{ id: number; inviter_id: number; inviter_nickname: string } | null> {
  const row = await db('invitations as i')
    .join('members as m', 'm.id', 'i.inviter_id')
    .select('i.id', 'i.inviter_id', 'm.nickname as inviter_nickname')
    .where('i.code_hash', hashInvitationCode(code))
    .whereNull('i.used_at')
    .whereNull('i.revoked_at')
    .where('i.expires_at', '>', now)
    .where('m.status', 'active')
    .first();
  return row
    ? { id: Number(row.id), inviter_id: Number(row.inviter_id), inviter_nickname: row.inviter_nickname }
    : null;
}

/** A claimed invitation: who invited, and whether they became friends (not when the inviter has FRIEND_LIMIT friends). */
export type ClaimedInvitation = { inviterId: number; inviterNickname: string; befriended: boolean };

/**
 * In the registration's transaction, after the member row: claims the invitation with one
 * conditional UPDATE (of two registrations racing with one code, the second waits on the row and
 * then finds it used) and makes inviter and invitee friends — unless the inviter already has
 * FRIEND_LIMIT friends: then the registration goes on without the friendship (befriended false;
 * CONTEXT.md, "Registration"). null: the code is not usable.
 */
export async function consumeInvitation(
  trx: Knex.Transaction,
  input: { code: string; inviteeId: number; at: Date },
): Promise<ClaimedInvitation | null> {
  const claimed = await trx.raw<{ rows: { inviter_id: string; nickname: string }[] }>(
    `UPDATE invitations i SET used_at = ?, invitee_id = ?
       FROM members m
      WHERE i.code_hash = ? AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
        AND m.id = i.inviter_id AND m.status = 'active'
     RETURNING i.inviter_id, m.nickname`,
    [input.at, input.inviteeId, hashInvitationCode(input.code), input.at],
  );
  if (claimed.rows.length !== 1) return null;
  const inviterId = Number(claimed.rows[0].inviter_id);
  // The inviter's row locked as an accepted friend request locks it: their count is exact here.
  const inviter = await trx('members').select('friend_count').where({ id: inviterId }).forUpdate().first();
  const befriended = !!inviter && inviter.friend_count < FRIEND_LIMIT;
  if (befriended) {
    await trx('friendships').insert([
      { member_id: inviterId, friend_id: input.inviteeId, created_at: input.at },
      { member_id: input.inviteeId, friend_id: inviterId, created_at: input.at },
    ]);
  }
  return { inviterId, inviterNickname: claimed.rows[0].nickname, befriended };
}

export { isInvitationOnly };

export type SetModeResult = { ok: true } | { ok: false; reason: 'unchanged' };

/** The operator's switch (/admin/invitations, `npm run ashiato -- invitations on|off`), audited. */
export async function setInvitationOnly(
  db: Knex,
  input: { on: boolean; staffId: number | null; at: Date; reason: string },
): Promise<SetModeResult> {
  return db.transaction(async (trx) => {
    const row = await trx('site_settings').select('invitation_only').where({ id: true }).forUpdate().first();
    const before = Boolean(row?.invitation_only);
    if (before === input.on) return { ok: false as const, reason: 'unchanged' as const };
    await trx('site_settings').where({ id: true }).update({ invitation_only: input.on, updated_at: input.at });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'site_settings.update',
      targetType: 'site_settings',
      targetId: 1,
      reason: input.reason,
      before: { invitation_only: before },
      after: { invitation_only: input.on },
      at: input.at,
    });
    return { ok: true as const };
  });
}
