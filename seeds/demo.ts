import type { Knex } from 'knex';
import type { PasswordHasher } from '../src/features/accounts/passwords.js';
import { formatJapaneseMobile } from '../src/lib/phone.js';

// Demo data for local use. Tests never depend on it.
export const DEMO_PASSWORD = 'ashiato-demo-2026';

export const DEMO_MEMBERS = [
  { phone: '+819011110001', nickname: 'さくら', birth_date: '1990-04-01' },
  { phone: '+819011110002', nickname: 'たろう', birth_date: '1985-11-23' },
  { phone: '+818011110003', nickname: 'はなこ', birth_date: '1998-07-07' },
  { phone: '+817011110004', nickname: 'Ken', birth_date: '1979-02-14' },
];

/** Loads the demo members once (when there are no members yet). Returns whether it did. */
export async function seedDemo(db: Knex, passwords: PasswordHasher): Promise<boolean> {
  const [{ count }] = await db('members').count<{ count: string }[]>({ count: '*' });
  if (Number(count) > 0) return false;
  const hash = await passwords.hash(DEMO_PASSWORD);
  await db.transaction(async (trx) => {
    for (const m of DEMO_MEMBERS) {
      await trx('verified_phones').insert({ phone: m.phone }).onConflict('phone').ignore();
      await trx('members').insert({ ...m, password_hash: hash });
    }
  });
  return true;
}

export async function demoLoginsPresent(db: Knex): Promise<boolean> {
  const row = await db('members').select('id').where({ phone: DEMO_MEMBERS[0].phone }).first();
  return !!row;
}

export function demoLoginText(): string {
  return DEMO_MEMBERS.map((m) => `  ${formatJapaneseMobile(m.phone)}  /  ${DEMO_PASSWORD}   (${m.nickname})`).join('\n');
}
