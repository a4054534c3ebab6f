import type { Knex } from 'knex';

/** Two members become friends directly in the database (both rows; the counters follow them). */
export async function makeFriends(db: Knex, a: number, b: number): Promise<void> {
  await db('friendships').insert([
    { member_id: a, friend_id: b },
    { member_id: b, friend_id: a },
  ]);
}

export async function friendRows(db: Knex, a: number, b: number): Promise<number> {
  const [row] = await db('friendships')
    .where({ member_id: a, friend_id: b })
    .orWhere({ member_id: b, friend_id: a })
    .count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

export async function friendCountOf(db: Knex, id: number): Promise<number> {
  return Number((await db('members').select('friend_count').where({ id }).first()).friend_count);
}
