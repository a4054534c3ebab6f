import type { Knex } from 'knex';

/** Rows whose time is over: sessions, rate-limit windows, old verification codes. */
export async function pruneExpired(
  db: Knex,
  now: Date,
): Promise<{ sessions: number; rateLimits: number; phoneVerifications: number }> {
  const sessions = await db('sessions').where('expire', '<', now).delete();
  const rateLimits = await db('rate_limits').where('expire', '<', now.getTime()).delete();
  const phoneVerifications = await db('phone_verifications')
    .where('created_at', '<', new Date(now.getTime() - 7 * 24 * 3600_000))
    .delete();
  return { sessions, rateLimits, phoneVerifications };
}
