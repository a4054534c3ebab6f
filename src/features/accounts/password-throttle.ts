import { RateLimiterRes, type RateLimiterPostgres } from 'rate-limiter-flexible';

// The per-account password throttle (SECURITY 4, 51), shared by login and by every page that asks
// for the current password (password change, phone change, withdrawal): one budget per account.
//
// Each attempt is counted before its password is verified, by an atomic upsert, and from the 5th
// attempt on it must also take the account's block — set for as long as its failure would block —
// before verifying. Concurrent attempts therefore get what one-by-one attempts get: four free
// checks, then one check per block, the others refused without a check. A refused attempt gives its
// count back, so waiting is not punished; a right password clears both.

export type PasswordThrottle = {
  /** Attempts since the last right password, per account, for a day. */
  loginFailures: RateLimiterPostgres;
  /** The account's current block (one point; its length is set by each consume). */
  loginBlocks: RateLimiterPostgres;
};

export type Throttled = { ok: false; reason: 'throttled'; retryAfterSeconds: number };

const FREE_FAILURES = 5;
const FIRST_BLOCK_SECONDS = 30;
const MAX_BLOCK_SECONDS = 30 * 60;

/** The block that follows the failure of attempt `n` (n ≥ 5): 30 s, 60 s, 120 s … up to 30 minutes. */
function blockSeconds(n: number): number {
  return Math.min(FIRST_BLOCK_SECONDS * 2 ** Math.min(n - FREE_FAILURES, 10), MAX_BLOCK_SECONDS);
}

/**
 * Runs `check` (an argon2 verification) for `accountKey` only when the throttle lets this attempt
 * through. A limiter store that is down throws (→ 503): never an unthrottled check.
 */
export async function throttledPasswordCheck(
  limits: PasswordThrottle,
  accountKey: string,
  check: () => Promise<boolean>,
): Promise<{ ok: true; valid: boolean } | Throttled> {
  const attempt = (await limits.loginFailures.consume(accountKey)).consumedPoints;
  if (attempt >= FREE_FAILURES) {
    try {
      await limits.loginBlocks.consume(accountKey, 1, { customDuration: blockSeconds(attempt) });
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      await limits.loginFailures.reward(accountKey, 1);
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    }
  }
  const valid = await check();
  if (valid) await clearPasswordThrottle(limits, accountKey);
  return { ok: true, valid };
}

/** After a right password or a password reset: the account starts afresh. */
export async function clearPasswordThrottle(limits: PasswordThrottle, accountKey: string): Promise<void> {
  await limits.loginFailures.delete(accountKey);
  await limits.loginBlocks.delete(accountKey);
}
