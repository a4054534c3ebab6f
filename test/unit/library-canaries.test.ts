import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ejs from 'ejs';
import session from 'express-session';
import type pg from 'pg';
import { createDb } from '../../src/db/knex.js';
import { runPrepared } from '../../src/db/prepared.js';

// Canaries: the few library internals our performance pieces rely on (docs/performance.md, "The clever
// pieces"), each checked on its own, so that an upgrade that changes one fails here, by name, instead
// of somewhere deep in a page.

test("canary › express-session: `Session` is exported and built from a request alone, its req and id hidden (src/http/session.ts, a visitor GET's unstored session)", () => {
  const req = { sessionID: 'abc' } as unknown as Express.Request;
  const s = new (session.Session as unknown as new (req: unknown) => session.Session & Record<string, unknown>)(req);
  // The redirect's change check (sessionChanged) counts own keys: a fresh Session must have none.
  assert.deepEqual(Object.keys(s), []);
  assert.equal(s.id, 'abc');
  for (const m of ['save', 'regenerate', 'destroy', 'reload', 'touch'] as const)
    assert.equal(typeof s[m], 'function', m);
});

test("canary › express-session: a store's row becomes req.session key by key, so `loadedMember` read with the session row reaches loadMember (src/http/session-store.ts)", () => {
  const store = new session.MemoryStore();
  const req = { sessionID: 'abc' } as unknown as Express.Request & { session?: Record<string, unknown> };
  const loadedMember = { id: 1, nickname: 'わたし' };
  const created = store.createSession(
    req as never,
    { cookie: { originalMaxAge: 1000, expires: new Date(Date.now() + 1000).toISOString() }, loadedMember } as never,
  ) as unknown as Record<string, unknown>;
  assert.equal(req.session, created);
  assert.deepEqual(created.loadedMember, loadedMember);
  assert.ok(Object.keys(created).includes('cookie'));
});

test("canary › knex: a client hands out and takes back its pg connection, a transaction's client its own, and emits `query` to the instance (src/db/prepared.ts, src/http/rate-limit.ts)", async (t) => {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) return t.skip('run with `npm test` (it starts PostgreSQL)');
  const db = createDb(url, { max: 2 });
  try {
    const conn = (await db.client.acquireConnection()) as pg.Client;
    assert.equal(typeof conn.query, 'function', 'a pg.Client');
    const {
      rows: [{ pid }],
    } = await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await db.client.releaseConnection(conn);
    const pool = db.client.pool as { numUsed(): number; numFree(): number };
    assert.equal(pool.numUsed(), 0, 'released');
    assert.equal(pool.numFree(), 1);
    assert.ok(pid > 0);

    const seen: { sql: string; prepared?: string }[] = [];
    db.on('query', (q: { sql: string; prepared?: string }) => seen.push(q));
    await db.transaction(async (trx) => {
      const {
        rows: [{ pid: inTrx }],
      } = await trx.raw<{ rows: { pid: number }[] }>('SELECT pg_backend_pid() AS pid');
      const own = (await trx.client.acquireConnection()) as pg.Client;
      const {
        rows: [{ pid: acquired }],
      } = await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await trx.client.releaseConnection(own);
      assert.equal(acquired, inTrx, "a transaction's client gives its own connection");
      // A named statement run inside the transaction, through runPrepared.
      const rows = await runPrepared<{ n: number }>(
        trx,
        { name: 'canary-prepared', text: 'SELECT $1::int + 1 AS n' },
        [41],
      );
      assert.deepEqual(rows, [{ n: 42 }]);
    });
    assert.ok(
      seen.some((q) => q.prepared === 'canary-prepared'),
      "runPrepared's event reaches the instance's listeners from a transaction",
    );
  } finally {
    await db.destroy();
  }
});

test('canary › EJS: `_with: false` with `destructuredLocals`, the `includer` (a cache key as filename, an empty template read from the cache), `root` for absolute includes, `unsafePrototypeLocals` (src/http/view-options.ts, src/app.ts)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ejs-canary-'));
  try {
    fs.mkdirSync(path.join(dir, 'partials'));
    fs.writeFileSync(
      path.join(dir, 'page.ejs'),
      "<%= a %>|<%- include('/partials/p', { b: 2 }) %>|<%= typeof missing %>",
    );
    fs.writeFileSync(path.join(dir, 'partials', 'p.ejs'), '<%= a %>+<%= b %>');
    const file = path.join(dir, 'page.ejs');
    const includes: [string, string][] = [];
    const options = {
      root: dir,
      cache: true,
      unsafePrototypeLocals: true,
      _with: false,
      destructuredLocals: ['a', 'b', 'missing'],
      includer: (original: string, resolved: string) => {
        includes.push([original, resolved]);
        const key = `${resolved}#canary`;
        return { filename: key, template: ejs.cache.get(key) ? '' : fs.readFileSync(resolved, 'utf8') };
      },
    } as unknown as ejs.Options;
    const render = (data: object) =>
      new Promise<string>((resolve, reject) =>
        ejs.renderFile(file, data, options, (err, html) => (err ? reject(err) : resolve(html!))),
      );
    ejs.clearCache();
    assert.equal(await render({ a: 1 }), '1|1+2|undefined');
    assert.deepEqual(
      includes,
      [['/partials/p', path.join(dir, 'partials', 'p.ejs')]],
      'the includer gets the path as written and as resolved against root',
    );
    assert.ok(
      ejs.cache.get(`${path.join(dir, 'partials', 'p.ejs')}#canary`),
      "the partial is cached under the includer's filename",
    );
    // The second render finds the partial in the cache by that key (the includer gave no template).
    assert.equal(await render({ a: 3 }), '3|3+2|undefined');
    // unsafePrototypeLocals: the view reads the data object as it is (its prototype's names too,
    // where a copy would have none); an include gets a copy of its own keys.
    assert.equal(await render(Object.create({ a: 'proto' })), 'proto|+2|undefined');
    // Without `with`, a name not listed is a ReferenceError (why view-options.ts lists every local).
    fs.writeFileSync(path.join(dir, 'other.ejs'), '<%= c %>');
    await assert.rejects(
      new Promise((resolve, reject) =>
        ejs.renderFile(
          path.join(dir, 'other.ejs'),
          { c: 1 },
          { ...options, includer: undefined } as ejs.Options,
          (err, html) => (err ? reject(err) : resolve(html)),
        ),
      ),
      /c is not defined/,
    );
  } finally {
    ejs.clearCache();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
