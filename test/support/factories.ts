import type { Knex } from 'knex';
import argon2 from 'argon2';

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
  if (!hashes.has(password)) hashes.set(password, argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
  return hashes.get(password)!;
}

export type MemberOverrides = Partial<{ phone: string; nickname: string; birth_date: string; password: string; role: string; status: string }>;

export async function createMember(db: Knex, overrides: MemberOverrides = {}) {
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
      status: overrides.status === 'withdrawn' ? 'active' : overrides.status ?? 'active',
    })
    .returning(['id', 'phone', 'nickname']);
  return { id: row.id as number, phone: row.phone as string, nickname: row.nickname as string, password };
}
