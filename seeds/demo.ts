import type { Knex } from 'knex';
import type { PasswordHasher } from '../src/features/accounts/passwords.js';
import type { PhotoStorage } from '../src/features/photos/storage.js';
import { formatJapaneseMobile } from '../src/lib/phone.js';
import { seedNetwork } from './demo-network.js';

// Demo data for local use: a small living network (seeds/demo-content.ts), loaded once on the first
// start in development. Tests never depend on it.
export const DEMO_PASSWORD = 'ashiato-demo-2026';

/** The four printed logins come first and never change (README); the rest make the network lively. */
export const DEMO_MEMBERS = [
  { phone: '+819011110001', nickname: 'さくら', birth_date: '1990-04-01' },
  { phone: '+819011110002', nickname: 'たろう', birth_date: '1985-11-23' },
  { phone: '+818011110003', nickname: 'はなこ', birth_date: '1998-07-07' },
  { phone: '+817011110004', nickname: 'Ken', birth_date: '1979-02-14' },
  { phone: '+819011110005', nickname: 'みゆき', birth_date: '1993-06-12' },
  { phone: '+819011110006', nickname: 'けんじ', birth_date: '1982-09-30' },
  { phone: '+819011110007', nickname: 'あおい', birth_date: '2001-03-03' },
  { phone: '+819011110008', nickname: 'ゆうた', birth_date: '1988-12-24' },
  { phone: '+819011110009', nickname: 'まゆみ', birth_date: '1995-05-05' },
  { phone: '+819011110010', nickname: 'しょうへい', birth_date: '1991-08-19' },
  { phone: '+819011110011', nickname: 'なつみ', birth_date: '1996-10-10' },
  { phone: '+819011110012', nickname: 'こうじ', birth_date: '1984-01-20' },
];

/** The logins printed on start: the first four members. */
const PRINTED_LOGINS = DEMO_MEMBERS.slice(0, 4);

export type SeedContext = { db: Knex; photoStorage: PhotoStorage };

/**
 * Loads the demo network once (when there are no members yet), in one transaction: a failure leaves
 * no half network behind (at most some photo files without rows). Returns whether it did.
 */
export async function seedDemo(ctx: SeedContext, passwords: PasswordHasher, now = new Date()): Promise<boolean> {
  const [{ count }] = await ctx.db('members').count<{ count: string }[]>({ count: '*' });
  if (Number(count) > 0) return false;
  const hash = await passwords.hash(DEMO_PASSWORD);
  return ctx.db.transaction(async (trx) => {
    // Two processes starting at once (a web and a jobs role): one seeds, the other finds members.
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('ashiato-demo-seed'))`);
    const [{ count: already }] = await trx('members').count<{ count: string }[]>({ count: '*' });
    if (Number(already) > 0) return false;
    const ids: number[] = [];
    for (const [i, m] of DEMO_MEMBERS.entries()) {
      await trx('verified_phones').insert({ phone: m.phone }).onConflict('phone').ignore();
      const joined = new Date(now.getTime() - (40 - i) * 24 * 3600_000);
      const [row] = await trx('members')
        .insert({ ...m, password_hash: hash, created_at: joined })
        .returning('id');
      ids.push(Number(row.id));
    }
    await seedNetwork({ db: trx, photoStorage: ctx.photoStorage }, ids, now);
    await trx('site_notices').insert({
      title: 'あしあとへようこそ',
      body: '日記を書いたり、マイミクの足あとを見に行ったりしてみましょう。',
      starts_at: now,
    });
    return true;
  });
}

export async function demoLoginsPresent(db: Knex): Promise<boolean> {
  const row = await db('members').select('id').where({ phone: DEMO_MEMBERS[0].phone }).first();
  return !!row;
}

export function demoLoginText(): string {
  return PRINTED_LOGINS.map((m) => `  ${formatJapaneseMobile(m.phone)}  /  ${DEMO_PASSWORD}   (${m.nickname})`).join(
    '\n',
  );
}
