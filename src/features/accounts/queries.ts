import type { Knex } from 'knex';

export type MemberRole = 'member' | 'moderator' | 'admin';
export type MemberStatus = 'active' | 'suspended' | 'withdrawn';

export type SessionMemberRow = { id: number; nickname: string; role: MemberRole; status: MemberStatus };
export type CredentialRow = { id: number; password_hash: string; status: MemberStatus; suspended_until: Date | null; suspension_reason: string | null };
export type AccountRow = {
  id: number; phone: string; nickname: string; birth_date: string; role: MemberRole; status: MemberStatus;
  default_diary_visibility: string; created_at: Date;
};

export function findSessionMember(db: Knex, id: number): Promise<SessionMemberRow | undefined> {
  return db('members').select('id', 'nickname', 'role', 'status').where({ id }).first();
}

export function findCredentialsByPhone(db: Knex, phone: string): Promise<CredentialRow | undefined> {
  return db('members').select('id', 'password_hash', 'status', 'suspended_until', 'suspension_reason').where({ phone }).first();
}

export function findCredentialsById(db: Knex, id: number): Promise<CredentialRow | undefined> {
  return db('members').select('id', 'password_hash', 'status', 'suspended_until', 'suspension_reason').where({ id }).first();
}

export function findAccount(db: Knex, id: number): Promise<AccountRow | undefined> {
  return db('members')
    .select('id', 'phone', 'nickname', 'birth_date', 'role', 'status', 'default_diary_visibility', 'created_at')
    .where({ id })
    .first();
}

export async function phoneHasAccount(db: Knex, phone: string): Promise<boolean> {
  const row = await db('members').select('id').where({ phone }).first();
  return !!row;
}

export async function insertMember(
  db: Knex,
  m: { phone: string; nickname: string; birth_date: string; password_hash: string; created_at: Date },
): Promise<number> {
  const [row] = await db('members').insert(m).returning('id');
  return row.id as number;
}

export function updatePasswordHash(db: Knex, id: number, password_hash: string) {
  return db('members').where({ id }).update({ password_hash });
}

export function upsertVerifiedPhone(db: Knex, phone: string, at: Date) {
  return db('verified_phones').insert({ phone, verified_at: at }).onConflict('phone').merge({ verified_at: at });
}

/** Ends every session of a member, or every one but `exceptSid`. */
export function deleteMemberSessions(db: Knex, memberId: number, exceptSid?: string) {
  const q = db('sessions').whereRaw(`(sess ->> 'memberId') = ?`, [String(memberId)]);
  if (exceptSid) q.whereNot({ sid: exceptSid });
  return q.delete();
}

export function countMemberSessions(db: Knex, memberId: number): Promise<number> {
  return db('sessions')
    .whereRaw(`(sess ->> 'memberId') = ?`, [String(memberId)])
    .count<{ count: number }[]>({ count: '*' })
    .then((r) => Number(r[0].count));
}
