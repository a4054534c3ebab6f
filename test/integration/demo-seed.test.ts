import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { loggedInAgent, startTestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { filesIn } from '../support/photos.js';
import { localDiskStorage } from '../../src/features/photos/storage.js';
import type { PasswordHasher } from '../../src/features/accounts/passwords.js';
import { DEMO_MEMBERS, DEMO_PASSWORD, demoLoginText, seedDemo } from '../../seeds/demo.js';
import { PROFILES } from '../../seeds/demo-content.js';

// The first run's demo network (seeds/demo.ts): loaded through the services as the app's role, so
// every counter matches its rows; the printed logins stay the same; a second start adds nothing.

let t: TestDatabase;
let uploads: string;
let seeded: boolean;
let seconds: number;
const hasher: PasswordHasher = {
  hash: (p) => argon2.hash(p, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }),
  verify: (h, p) => argon2.verify(h, p),
  needsRehash: () => false,
  verifyDummy: async () => undefined,
};

before(async () => {
  t = await freshDatabase();
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-seed-'));
  const started = performance.now();
  seeded = await seedDemo({ db: t.appDb, photoStorage: localDiskStorage(uploads) }, hasher);
  seconds = (performance.now() - started) / 1000;
});
after(async () => {
  await t.drop();
  fs.rmSync(uploads, { recursive: true, force: true });
});

const count = async (sql: string): Promise<number> => Number((await t.db.raw(sql)).rows[0].n);

test('demo seed › a dozen members, each with an avatar photo whose files are stored', async () => {
  assert.equal(seeded, true);
  console.log(`[demo seed] ${seconds.toFixed(2)} s`);
  assert.equal(await count('SELECT count(*) AS n FROM members'), 12);
  assert.deepEqual(
    PROFILES.map((p) => p.nick),
    DEMO_MEMBERS.map((m) => m.nickname),
  );
  assert.equal(await count(`SELECT count(*) AS n FROM profile_photos WHERE is_main`), 12);
  const photos = await count('SELECT count(*) AS n FROM photos');
  assert.ok(photos >= 12 + 4 + 10, `photos: ${photos}`);
  assert.equal(
    filesIn(uploads).filter((f) => f.endsWith('.jpg')).length,
    photos * 5,
    'five variants of every photo on disk',
  );
});

test('demo seed › the four printed logins are unchanged and their password works', async () => {
  const text = demoLoginText();
  for (const line of [
    '090-1111-0001  /  ashiato-demo-2026   (さくら)',
    '090-1111-0002',
    '080-1111-0003',
    '070-1111-0004',
  ])
    assert.ok(text.includes(line), line);
  assert.equal(text.split('\n').length, 4);
  const sakura = await t
    .db('members')
    .select('password_hash')
    .where({ phone: '+819011110001', nickname: 'さくら' })
    .first();
  assert.equal(await argon2.verify(sakura.password_hash, DEMO_PASSWORD), true);
});

test('demo seed › friendships, diaries, communities, events, messages and footprints, with counters matching their rows', async () => {
  assert.ok((await count('SELECT count(*) AS n FROM friendships')) >= 30);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM members m WHERE friend_count <> (SELECT count(*) FROM friendships f WHERE f.member_id = m.id)`,
    ),
    0,
  );
  assert.equal(await count(`SELECT count(*) AS n FROM friend_requests WHERE status = 'pending'`), 2);
  assert.ok((await count('SELECT count(*) AS n FROM diaries')) >= 12);
  assert.ok((await count('SELECT count(*) AS n FROM diary_photos')) >= 8);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM diaries d WHERE comment_count <> (SELECT count(*) FROM diary_comments c WHERE c.diary_id = d.id AND c.deleted_at IS NULL)`,
    ),
    0,
  );
  assert.ok((await count('SELECT count(*) AS n FROM diary_comments')) >= 15);

  assert.equal(await count('SELECT count(*) AS n FROM communities WHERE photo_id IS NOT NULL'), 4);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM communities c WHERE member_count <> (SELECT count(*) FROM community_members m WHERE m.community_id = c.id)`,
    ),
    0,
  );
  assert.equal(await count(`SELECT count(*) AS n FROM community_join_requests WHERE status = 'pending'`), 1);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM community_topics t WHERE comment_count <> (SELECT count(*) FROM community_comments c WHERE c.topic_id = t.id AND c.deleted_at IS NULL)`,
    ),
    0,
  );
  const event = await t.db('community_events').select('capacity', 'participant_count').first();
  assert.deepEqual(event, { capacity: 3, participant_count: 3 });
  assert.equal(await count(`SELECT count(*) AS n FROM community_event_participants WHERE status = 'waitlisted'`), 2);

  assert.ok((await count('SELECT count(*) AS n FROM messages')) >= 6);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM message_copies c JOIN members m ON m.id = c.member_id WHERE m.nickname = 'さくら' AND c.box = 'received' AND c.read_at IS NULL`,
    ),
    1,
  );
  assert.ok((await count('SELECT count(*) AS n FROM footprints')) >= 15);
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM footprint_counters fc WHERE lifetime_visits <> (SELECT coalesce(sum(visit_count), 0) FROM footprints f WHERE f.owner_id = fc.member_id)`,
    ),
    0,
  );
  assert.equal(await count('SELECT count(*) AS n FROM site_notices'), 1);
});

test('demo seed › さくら logs in with the printed login and finds her network on home, a diary and a community', async () => {
  const app = await startTestApp({ database: t, photoStorage: localDiskStorage(uploads) });
  try {
    const agent = await loggedInAgent(app, { phone: '090-1111-0001', password: DEMO_PASSWORD });
    const home = textOf((await agent.get('/home')).text);
    for (const seen of ['たろう', 'はなこ', '新しいカフェを見つけた', '猫好きの集い', 'あしあとへようこそ'])
      assert.ok(home.includes(seen), seen);
    const diary = await t.db('diaries').select('id').where({ title: '週末は鎌倉へ' }).first();
    const page = await agent.get(`/diaries/${diary.id}`);
    assert.equal(page.status, 200);
    assert.ok(textOf(page.text).includes('しらす丼うらやましい'));
    const photo = /\/photos\/(\d+)\/w600/.exec(page.text);
    assert.ok(photo, 'the diary shows its photo');
    const image = await agent.get(`/photos/${photo[1]}/w600`);
    assert.equal(image.status, 200);
    const community = await t.db('communities').select('id').where({ name: '鎌倉・湘南散歩部' }).first();
    const board = textOf((await agent.get(`/communities/${community.id}`)).text);
    assert.ok(board.includes('鎌倉散歩オフ会'), 'the event is on the community page');
  } finally {
    await app.close();
  }
});

test('demo seed › a second start adds nothing', async () => {
  const before = await count(
    'SELECT (SELECT count(*) FROM members) + (SELECT count(*) FROM diaries) + (SELECT count(*) FROM photos) AS n',
  );
  assert.equal(await seedDemo({ db: t.appDb, photoStorage: localDiskStorage(uploads) }, hasher), false);
  assert.equal(
    await count(
      'SELECT (SELECT count(*) FROM members) + (SELECT count(*) FROM diaries) + (SELECT count(*) FROM photos) AS n',
    ),
    before,
  );
});

test('demo seed › two processes starting at once on an empty database: one seeds, the other adds nothing', async () => {
  const other = await freshDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-seed-'));
  try {
    const ctx = { db: other.appDb, photoStorage: localDiskStorage(dir) };
    const results = await Promise.all([seedDemo(ctx, hasher), seedDemo(ctx, hasher)]);
    assert.deepEqual(results.sort(), [false, true]);
    assert.equal(Number((await other.db.raw('SELECT count(*) AS n FROM members')).rows[0].n), 12);
  } finally {
    await other.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
