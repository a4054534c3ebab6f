import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { loggedInHandset } from '../support/mobile.js';
import { formatDateTime } from '../../src/lib/dates.js';

// 最終ログイン (issue 20 item 5): a coarse range on profiles, from members.last_seen_at, which the
// session middleware moves at most once per 10 minutes; a setting hides it.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const HOUR = 3_600_000;
const lastSeen = async (id: number) =>
  (await app.db('members').select('last_seen_at', 'show_last_login').where({ id }).first()) as {
    last_seen_at: Date | null;
    show_last_login: boolean;
  };
const seenAgo = (id: number, ms: number) =>
  app
    .db('members')
    .where({ id })
    .update({ last_seen_at: new Date(app.clock.now().getTime() - ms) });

test("last login › a member's pages record when they were last seen, at most once per 10 minutes", async () => {
  const m = await createMember(app.db);
  assert.equal((await lastSeen(m.id)).last_seen_at, null);
  const agent = await loggedInAgent(app, m);
  await agent.get('/home');
  const first = (await lastSeen(m.id)).last_seen_at!;
  assert.equal(first.getTime(), app.clock.now().getTime());
  app.clock.advance(5 * 60_000);
  await agent.get('/home');
  assert.equal((await lastSeen(m.id)).last_seen_at!.getTime(), first.getTime(), 'written again within 10 minutes');
  app.clock.advance(6 * 60_000);
  await agent.get('/home');
  assert.equal((await lastSeen(m.id)).last_seen_at!.getTime(), app.clock.now().getTime());
});

test('last login › a profile shows a coarse range, never the time itself, on PC and mobile', async () => {
  const viewer = await createMember(app.db);
  const owner = await createMember(app.db, { nickname: 'みられるひと' });
  const agent = await loggedInAgent(app, viewer);
  const handset = await loggedInHandset(app, viewer);
  const cases: [number, string][] = [
    [20 * 60_000, '1時間以内'],
    [5 * HOUR, '1日以内'],
    [50 * HOUR, '3日以内'],
    [10 * 24 * HOUR, '3日以上'],
  ];
  for (const [ago, shown] of cases) {
    await seenAgo(owner.id, ago);
    const page = await agent.get(`/members/${owner.id}`);
    assert.equal(page.status, 200);
    assert.match(textOf(page.text), new RegExp(`最終ログイン: ${shown}`), `${ago} ms ago`);
    const at = (await lastSeen(owner.id)).last_seen_at!;
    assert.ok(!page.text.includes(formatDateTime(at, 'ja')), 'the exact time is on the page');
    assert.ok(!page.text.includes(at.toISOString().slice(0, 16)), 'the exact time is on the page');
    assert.match(textOf((await handset.get(`/m/members/${owner.id}`)).text), new RegExp(`最終ログイン: ${shown}`));
  }
  // Never seen since it was recorded: nothing is shown.
  await app.db('members').where({ id: owner.id }).update({ last_seen_at: null });
  assert.doesNotMatch(textOf((await agent.get(`/members/${owner.id}`)).text), /最終ログイン/);
});

test('last login › hidden when the member turns the setting off (settings POST), shown again when on', async () => {
  const viewer = await createMember(app.db);
  const owner = await createMember(app.db, { nickname: 'かくすひと' });
  const ownerAgent = await loggedInAgent(app, owner);
  const agent = await loggedInAgent(app, viewer);
  await seenAgo(owner.id, 10 * 60_000);
  assert.match(textOf((await agent.get(`/members/${owner.id}`)).text), /最終ログイン: 1時間以内/);

  const res = await ownerAgent.post(
    '/settings',
    { nickname: 'かくすひと', default_diary_visibility: 'members', show_last_login: '0' },
    { tokenFrom: '/settings' },
  );
  assert.equal(res.status, 303);
  assert.equal((await lastSeen(owner.id)).show_last_login, false);
  assert.match((await ownerAgent.follow(res)).text, /name="show_last_login" value="0" checked/);
  assert.doesNotMatch(textOf((await agent.get(`/members/${owner.id}`)).text), /最終ログイン/);
  const handset = await loggedInHandset(app, viewer);
  assert.doesNotMatch(textOf((await handset.get(`/m/members/${owner.id}`)).text), /最終ログイン/);
  // The owner does not see it on their own page either.
  assert.doesNotMatch(textOf((await ownerAgent.get(`/members/${owner.id}`)).text), /最終ログイン/);

  // A settings form without the field (an older form) leaves the choice as it is.
  await ownerAgent.post(
    '/settings',
    { nickname: 'かくすひと', default_diary_visibility: 'members' },
    { tokenFrom: '/settings' },
  );
  assert.equal((await lastSeen(owner.id)).show_last_login, false);

  // From the mobile settings page.
  const ownerHandset = await loggedInHandset(app, owner);
  const on = await ownerHandset.post(
    '/m/settings',
    { nickname: 'かくすひと', default_diary_visibility: 'members', show_last_login: '1' },
    { tokenFrom: '/m/settings' },
  );
  assert.equal(on.status, 303);
  assert.equal((await lastSeen(owner.id)).show_last_login, true);
  assert.match(textOf((await agent.get(`/members/${owner.id}`)).text), /最終ログイン: 1時間以内/);
});

test('last login › the setting refuses a value that is neither, with the form kept (422)', async () => {
  const owner = await createMember(app.db, { nickname: 'まえのなまえ' });
  const agent = await loggedInAgent(app, owner);
  const res = await agent.post(
    '/settings',
    { nickname: 'あたらしいなまえ', default_diary_visibility: 'members', show_last_login: 'sometimes' },
    { tokenFrom: '/settings' },
  );
  assert.equal(res.status, 422);
  assert.match(res.text, /value="あたらしいなまえ"/);
  assert.match(textOf(res.text), /表示するか表示しないかを選んでください/);
  const row = await app.db('members').select('nickname', 'show_last_login').where({ id: owner.id }).first();
  assert.deepEqual(row, { nickname: 'まえのなまえ', show_last_login: true });
});

test('last login › a cross-site POST of the setting is 403 and changes nothing', async () => {
  const owner = await createMember(app.db, { nickname: 'ねらわれる' });
  const agent = await loggedInAgent(app, owner);
  await agent.get('/settings');
  const res = await agent.post(
    '/settings',
    { nickname: 'ねらわれる', default_diary_visibility: 'members', show_last_login: '0' },
    { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } },
  );
  assert.equal(res.status, 403);
  assert.equal((await lastSeen(owner.id)).show_last_login, true);
});
