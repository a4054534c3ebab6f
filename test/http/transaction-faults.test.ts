import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf, type Res } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { friendCountOf, friendRows } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { jpeg } from '../support/images.js';
import { filesIn, startPhotoApp } from '../support/photos.js';
import { assertNoInternals, withQuietConsole } from '../support/faults.js';

// SECURITY 42: a failure between two writes of one action leaves neither visible, and the member
// sees an error page, not a success. The failure is injected from the database side (a trigger that
// raises on a later write of the action), so the production code runs unchanged.

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp());
});
after(async () => {
  await close();
});

/** Makes every row event described by `on` (e.g. `BEFORE INSERT ON diary_photos`) fail until removed. */
async function injectFailure(db: Knex, on: string) {
  await db.raw(`CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
  const table = on.split(' ON ')[1];
  await db.raw(`CREATE TRIGGER injected_failure ${on} FOR EACH ROW EXECUTE FUNCTION injected_failure()`);
  return () => db.raw(`DROP TRIGGER injected_failure ON ${table}`);
}

function assertErrorPage(res: Res) {
  assert.equal(res.status, 500);
  assert.equal(res.location, null, 'no redirect to a success page');
  assert.match(textOf(res.text), /問題が発生しました/);
  assertNoInternals(res.text);
}

test('accepting a friend request › a failure after the request and friendship rows were written: nothing changed, an error page', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const [request] = await app
    .db('friend_requests')
    .insert({ requester_id: a.id, recipient_id: b.id, message: 'よろしく' })
    .returning('id');
  const bell = await loggedInAgent(app, b);
  await bell.get('/friends/requests');

  // The accept writes the request's status, then both friendship rows, then both counters: the last fails.
  const remove = await injectFailure(app.db, 'BEFORE UPDATE OF friend_count ON members');
  let res: Res;
  try {
    res = await withQuietConsole(() => bell.post(`/friends/requests/${request.id}/accept`, {}));
  } finally {
    await remove();
  }
  assertErrorPage(res);
  assert.equal((await app.db('friend_requests').select('status').where({ id: request.id }).first()).status, 'pending');
  assert.equal(await friendRows(app.db, a.id, b.id), 0);
  assert.equal(await friendCountOf(app.db, a.id), 0);
  assert.equal(await friendCountOf(app.db, b.id), 0);
  assert.doesNotMatch(
    textOf((await bell.get('/friends/requests')).text),
    /マイミクになりました/,
    'no success message left behind',
  );

  // Once the fault is gone, the same request is accepted normally.
  const again = await bell.post(`/friends/requests/${request.id}/accept`, {});
  assert.equal(again.status, 303);
  assert.equal(await friendRows(app.db, a.id, b.id), 2);
});

test('publishing a diary with a photo › a failure on the last row: no diary, no photo row, no file, an error page', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  // Written in order: the diary, the photo, then the link between them — which fails.
  const remove = await injectFailure(app.db, 'BEFORE INSERT ON diary_photos');
  let res: Res;
  try {
    res = await withQuietConsole(async () =>
      postDiary(agent, { title: '消える日記', body: '本文' }, [await jpeg(64, 48)]),
    );
  } finally {
    await remove();
  }
  assertErrorPage(res);
  assert.equal(await app.db('diaries').where({ author_id: m.id }).first(), undefined);
  assert.equal(await app.db('photos').where({ owner_id: m.id }).first(), undefined);
  assert.deepEqual(filesIn(uploads), [], 'the photo files written before the transaction are removed');
  const list = await agent.get(`/members/${m.id}/diaries`);
  assert.equal(list.status, 200);
  assert.doesNotMatch(textOf(list.text), /消える日記/);
});
