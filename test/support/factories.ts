import type { Knex } from 'knex';
import argon2 from 'argon2';
import { completeWithdrawal } from '../../src/features/accounts/settings-service.js';

let seq = 0;
let hashes = new Map<string, Promise<string>>();

export const DEFAULT_PASSWORD = 'correct horse battery staple';

/** A unique valid Japanese mobile number for this test process. */
export function uniquePhone(): string {
  seq += 1;
  const n = (process.pid * 1000 + seq) % 10_000_000;
  return `+8190${(1 + (seq % 9)).toString()}${n.toString().padStart(7, '0')}`;
}

function hashFor(password: string): Promise<string> {
  if (!hashes.has(password))
    hashes.set(
      password,
      argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }),
    );
  return hashes.get(password)!;
}

export type MemberOverrides = Partial<{
  phone: string;
  nickname: string;
  birth_date: string;
  password: string;
  role: 'member' | 'moderator' | 'admin';
  status: 'active' | 'suspended' | 'withdrawn';
}>;

const MEMBER_OPTIONS = new Set(['phone', 'nickname', 'birth_date', 'password', 'role', 'status']);

/**
 * A member written straight into the database (its number verified first), with every option given
 * honoured and any other refused: `status: 'suspended'` is an indefinite suspension, and
 * `status: 'withdrawn'` withdraws the new member through the accounts service (its number released,
 * withdrawn_at set), as a member's own 退会 does.
 */
export async function createMember(db: Knex, overrides: MemberOverrides = {}) {
  const unknown = Object.keys(overrides).filter((k) => !MEMBER_OPTIONS.has(k));
  if (unknown.length > 0) throw new Error(`createMember: no such option ${unknown.join(', ')}`);
  if (overrides.status !== undefined && !['active', 'suspended', 'withdrawn'].includes(overrides.status)) {
    throw new Error(`createMember: no such status ${String(overrides.status)}`);
  }
  const phone = overrides.phone ?? uniquePhone();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  await db('verified_phones').insert({ phone }).onConflict('phone').ignore();
  const [row] = await db('members')
    .insert({
      phone,
      nickname: overrides.nickname ?? `member${seq}`,
      birth_date: overrides.birth_date ?? '1990-01-01',
      password_hash: await hashFor(password),
      role: overrides.role ?? 'member',
      status: overrides.status === 'suspended' ? 'suspended' : 'active',
    })
    .returning(['id', 'phone', 'nickname']);
  const id = row.id as number;
  if (overrides.status === 'withdrawn') await completeWithdrawal(db, id, new Date());
  return { id, phone: row.phone as string, nickname: row.nickname as string, password };
}

// The other factories, so that a test can take every way of making data from this one module.
export { makeFriends } from './friends.js';
export { createDiary } from './diaries.js';
export { createMessage } from './messages.js';
export { createCommunity, addMember, banFrom, requestToJoin, createTopic, createEvent } from './communities.js';
export { createReport } from './moderation.js';
