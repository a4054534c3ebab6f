import type { Knex } from 'knex';

/** Rows whose time is over: sessions, rate-limit windows, old verification codes. */
export async function pruneExpired(db: Knex, now: Date) {
  await db('sessions').where('expire', '<', now).delete();
  await db('rate_limits').where('expire', '<', now.getTime()).delete();
  await db('phone_verifications').where('created_at', '<', new Date(now.getTime() - 7 * 24 * 3600_000)).delete();
}
