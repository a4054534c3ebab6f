import { randomUUID } from 'node:crypto';
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
    const ids: number[] = [];
    for (const m of DEMO_MEMBERS) {
      await trx('verified_phones').insert({ phone: m.phone }).onConflict('phone').ignore();
      const [row] = await trx('members').insert({ ...m, password_hash: hash }).returning('id');
      ids.push(Number(row.id));
    }
    // さくら–たろう and さくら–はなこ are friends; Ken knows nobody yet (the empty home page).
    const [sakura, taro, hanako] = ids;
    for (const [a, b] of [[sakura, taro], [sakura, hanako]]) {
      await trx('friendships').insert([{ member_id: a, friend_id: b }, { member_id: b, friend_id: a }]);
    }
    await trx('profiles').insert({ member_id: sakura, prefecture: 13, hobbies: '猫、散歩、写真', self_introduction: 'はじめまして、さくらです。\n週末は猫と公園を散歩しています。' });
    await trx('diaries').insert([
      { author_id: taro, title: '初めての日記', body: 'あしあとを始めました。よろしくお願いします！', visibility: 'members', submission_key: randomUUID() },
      { author_id: hanako, title: '友だち限定の話', body: '今日は久しぶりに友だちとカフェに行きました。', visibility: 'friends', submission_key: randomUUID() },
    ]);
    await trx('site_notices').insert({ title: 'あしあとへようこそ', body: '日記を書いたり、マイミクの足あとを見に行ったりしてみましょう。', starts_at: new Date() });
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
