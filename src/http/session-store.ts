import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type pg from 'pg';
import { sessionMemberColumnsSql, sessionMemberOf } from '../features/accounts/queries.js';

const PgStore = connectPgSimple(session);

/**
 * The session row and, for a member's session, that member's row — in one statement, since every
 * request of a member needs both (loadMember checks the status and shows the nickname, the header
 * what is new: sessionMemberColumnsSql). A named
 * statement: planned once per connection.
 */
const GET_SESSION = {
  name: 'session-get',
  text: `SELECT s.sess, ${sessionMemberColumnsSql('sm')}
           FROM sessions s LEFT JOIN members sm ON sm.id = (s.sess ->> 'memberId')::bigint
          WHERE s.sid = $1 AND s.expire >= now()`,
};

/**
 * connect-pg-simple, reading the member with the session: `req.session.loadedMember` is that row as
 * of this request, and is never written back (`set` leaves it out). It stays unchanged through the
 * request, so it never makes express-session think the session was modified.
 */
export class SessionStore extends PgStore {
  readonly #pool: pg.Pool;
  readonly #named: boolean;

  /** `named: false` behind PgBouncer in transaction mode (src/db/prepared.ts says why). */
  constructor(pool: pg.Pool, opts: { named?: boolean } = {}) {
    super({
      pool,
      tableName: 'sessions',
      pruneSessionInterval: false, // pruned by a background job instead of a timer in every process
      disableTouch: true, // expiry moves only when the session is saved (last-seen is throttled)
    });
    this.#pool = pool;
    this.#named = opts.named !== false;
  }

  override get(sid: string, fn: (err: unknown, session?: SessionData | null) => void): void {
    this.#pool.query(this.#named ? { ...GET_SESSION, values: [sid] } : { text: GET_SESSION.text, values: [sid] }).then(({ rows: [row] }) => {
      if (!row) return fn(null, null);
      let sess: SessionData;
      try {
        sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess;
      } catch {
        return this.destroy(sid, (err) => fn(err ?? null, null));
      }
      if (row.id !== null) sess.loadedMember = sessionMemberOf(row);
      fn(null, sess);
    }, (err) => fn(err));
  }

  override set(sid: string, sess: SessionData, fn?: (err?: unknown) => void): void {
    const { loadedMember: _, ...stored } = sess;
    super.set(sid, stored as SessionData, fn);
  }
}
