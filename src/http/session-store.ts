import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type pg from 'pg';
import type { SessionMembers } from './session-member.js';

const PgStore = connectPgSimple(session);

/**
 * The session row and, for a member's session, that member's row — in one statement, since every
 * request of a member needs both (loadMember checks the status and shows the nickname, the header
 * what is new: SessionMembers.columnsSql). A named
 * statement: planned once per connection.
 */
function getSessionStatement(members: SessionMembers) {
  return {
    name: 'session-get',
    text: `SELECT s.sess, ${members.columnsSql('sm')}
           FROM sessions s LEFT JOIN members sm ON sm.id = (s.sess ->> 'memberId')::bigint
          WHERE s.sid = $1 AND s.expire >= now()`,
  };
}

/**
 * connect-pg-simple, reading the member with the session: `req.session.loadedMember` is that row as
 * of this request, and is never written back (`set` leaves it out). It stays unchanged through the
 * request, so it never makes express-session think the session was modified.
 */
export class SessionStore extends PgStore {
  readonly #pool: pg.Pool;
  readonly #named: boolean;
  readonly #members: SessionMembers;
  readonly #getSession: { name: string; text: string };

  /** `named: false` behind PgBouncer in transaction mode (src/db/prepared.ts says why). */
  constructor(pool: pg.Pool, opts: { members: SessionMembers; named?: boolean }) {
    super({
      pool,
      tableName: 'sessions',
      pruneSessionInterval: false, // pruned by a background job instead of a timer in every process
      disableTouch: true, // expiry moves only when the session is saved (last-seen is throttled)
    });
    this.#pool = pool;
    this.#named = opts.named !== false;
    this.#members = opts.members;
    this.#getSession = getSessionStatement(opts.members);
  }

  override get(sid: string, fn: (err: unknown, session?: SessionData | null) => void): void {
    this.#pool
      .query(this.#named ? { ...this.#getSession, values: [sid] } : { text: this.#getSession.text, values: [sid] })
      .then(
        ({ rows: [row] }) => {
          if (!row) return fn(null, null);
          let sess: SessionData;
          try {
            sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess;
          } catch {
            return this.destroy(sid, (err) => fn(err ?? null, null));
          }
          if (row.id !== null) sess.loadedMember = this.#members.of(row);
          fn(null, sess);
        },
        (err) => fn(err),
      );
  }

  override set(sid: string, sess: SessionData, fn?: (err?: unknown) => void): void {
    const { loadedMember: _, ...stored } = sess;
    super.set(sid, stored as SessionData, fn);
  }
}
