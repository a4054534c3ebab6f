import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf, type Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { exactRequest, navigate, SAME_SITE_NAVIGATION } from '../support/footprints.js';
import { recordFootprint } from '../../src/features/footprints/queries.js';

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: { loginPerIp: { points: 1000, duration: 60 } } });
});
after(async () => {
  await app.close();
});

// Noon in Tokyo today (03:00 UTC): every story starts here, before anyone logs in.
const TODAY = new Date().toISOString().slice(0, 10);
beforeEach(() => {
  app.clock.set(new Date(`${TODAY}T03:00:00Z`));
});

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

async function member(nickname: string) {
  const m = await createMember(app.db, { nickname });
  return { ...m, agent: await loggedInAgent(app, m) };
}

/** `visitor` clicks through to `owner`'s profile, `minutes` later than the last step. */
async function visit(visitor: { agent: Agent }, owner: { id: number }, minutes = 1) {
  app.clock.advance(minutes * MINUTE);
  assert.equal((await navigate(visitor.agent, `/members/${owner.id}`)).status, 200);
}

/** The nicknames listed on a footprints page, in order. */
function listed(html: string): string[] {
  const list = /<ol class="footprint-list">([\s\S]*?)<\/ol>/.exec(html);
  return list ? [...list[1].matchAll(/<a class="who" href="\/members\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]) : [];
}

async function homeText(agent: Agent) {
  return textOf((await agent.get('/home')).text);
}

test('GET /footprints › a member nobody visited sees the empty states', async () => {
  const me = await member('ひとりめ');
  const page = await navigate(me.agent, '/footprints');
  assert.equal(page.status, 200);
  assert.match(textOf(page.text), /まだ足あとはありません/);
  assert.match(textOf(page.text), /これまでの訪問数: 0/);
  const left = await navigate(me.agent, '/footprints/left');
  assert.equal(left.status, 200);
  assert.match(textOf(left.text), /まだ誰のページも訪問していません/);
  assert.doesNotMatch(await homeText(me.agent), /新しい足あと/);
});

test('GET /footprints › visitors newest first, each linking to their page, with the Tokyo time and the lifetime count', async () => {
  const owner = await member('あしあとの主');
  const [akira, hikaru, midori] = [await member('あきら'), await member('ひかる'), await member('みどり')];
  await visit(akira, owner); // 12:01 Tokyo
  await visit(hikaru, owner); // 12:02
  await visit(midori, owner); // 12:03
  await visit(akira, owner, 2); // 12:05: akira's row of today moves to the top, counting 2

  const page = await navigate(owner.agent, '/footprints');
  assert.deepEqual(listed(page.text), ['あきら', 'みどり', 'ひかる']);
  assert.match(page.text, new RegExp(`<a class="who" href="/members/${akira.id}">あきら</a>`));
  const text = textOf(page.text);
  assert.match(text, new RegExp(`あきら 2回 ${TODAY.replace(/-/g, '/')} 12:05`));
  assert.match(text, new RegExp(`みどり ${TODAY.replace(/-/g, '/')} 12:03`));
  assert.match(text, /これまでの訪問数: 4/);
  assert.deepEqual(
    listed((await navigate(akira.agent, '/footprints')).text),
    [],
    'the visitors see nothing on their own list',
  );
});

test('GET /footprints › a visitor who came on two days appears once per day', async () => {
  const owner = await member('ふつかの主');
  const taro = await member('たろう');
  await visit(taro, owner);
  await visit(taro, owner, 24 * 60);
  assert.deepEqual(listed((await navigate(owner.agent, '/footprints')).text), ['たろう', 'たろう']);
});

test('GET /footprints/left › the pages you visited, latest first; you are on their lists', async () => {
  const me = await member('たびびと');
  const [x, y] = [await member('えっくす'), await member('わい')];
  await visit(me, x);
  await visit(me, y);
  assert.deepEqual(listed((await navigate(me.agent, '/footprints/left')).text), ['わい', 'えっくす']);
  assert.deepEqual(listed((await navigate(x.agent, '/footprints')).text), ['たびびと']);
  assert.deepEqual(listed((await navigate(me.agent, '/footprints')).text), [], 'nobody visited me');
});

test('home › "新しい足あと N件" counts footprints since the owner last looked and clears when they do', async () => {
  const owner = await member('ホームの主');
  const [a, b, c] = [await member('えー'), await member('びー'), await member('しー')];
  assert.doesNotMatch(await homeText(owner.agent), /新しい足あと/);
  await visit(a, owner);
  await visit(b, owner);
  assert.match(await homeText(owner.agent), /新しい足あと 2件/);
  await visit(a, owner);
  assert.match(await homeText(owner.agent), /新しい足あと 2件/, 'a repeat visit the same day is the same footprint');
  assert.match((await owner.agent.get('/home')).text, /<a href="\/footprints">新しい足あと 2件<\/a>/);

  // A prefetch of the list is not the owner looking at it.
  await exactRequest(owner.agent, '/footprints', { headers: { ...SAME_SITE_NAVIGATION, 'sec-purpose': 'prefetch' } });
  assert.match(await homeText(owner.agent), /新しい足あと 2件/);

  app.clock.advance(MINUTE);
  await navigate(owner.agent, '/footprints');
  assert.doesNotMatch(await homeText(owner.agent), /新しい足あと/);
  await visit(c, owner);
  assert.match(await homeText(owner.agent), /新しい足あと 1件/);
});

test('GET /footprints › visitors now blocked either way, withdrawn or suspended are not listed nor counted', async () => {
  const owner = await member('きびしい主');
  const visitors = [
    await member('ぶろっく'),
    await member('ぶろっかー'),
    await member('たいかい'),
    await member('ていし'),
    await member('のこる'),
  ];
  for (const v of visitors) await visit(v, owner);
  await visit(owner, visitors[2]);
  assert.deepEqual(listed((await navigate(owner.agent, '/footprints')).text), [
    'のこる',
    'ていし',
    'たいかい',
    'ぶろっかー',
    'ぶろっく',
  ]);
  app.clock.advance(MINUTE);
  for (const v of visitors) await visit(v, owner);
  assert.match(await homeText(owner.agent), /新しい足あと 5件/);

  const [blocked, blocker, withdrawn, suspended] = visitors;
  await app.db('blocks').insert([
    { blocker_id: owner.id, blocked_id: blocked.id },
    { blocker_id: blocker.id, blocked_id: owner.id },
  ]);
  await app
    .db('members')
    .where({ id: withdrawn.id })
    .update({ status: 'withdrawn', withdrawn_at: app.clock.now(), phone: null });
  await app.db('members').where({ id: suspended.id }).update({ status: 'suspended' });

  assert.match(await homeText(owner.agent), /新しい足あと 1件/);
  assert.deepEqual(listed((await navigate(owner.agent, '/footprints')).text), ['のこる']);
  assert.deepEqual(
    listed((await navigate(owner.agent, '/footprints/left')).text),
    [],
    'the withdrawn member is gone from my trail too',
  );
});

test('GET /footprints › only the last 90 days are shown or counted, to the minute', async () => {
  const owner = await member('きおくの主');
  const [old, recent] = [await member('むかし'), await member('さいきん')];
  const now = app.clock.now().getTime();
  await recordFootprint(app.db, { ownerId: owner.id, visitorId: old.id, at: new Date(now - 90 * DAY - MINUTE) });
  await recordFootprint(app.db, { ownerId: owner.id, visitorId: recent.id, at: new Date(now - 90 * DAY + MINUTE) });
  assert.match(await homeText(owner.agent), /新しい足あと 1件/);
  const page = await navigate(owner.agent, '/footprints');
  assert.deepEqual(listed(page.text), ['さいきん']);
  assert.match(textOf(page.text), /これまでの訪問数: 2/, 'the lifetime count still has both');
});

test('GET /footprints › visitors are sent to the login page', async () => {
  const res = await exactRequest({ baseUrl: app.baseUrl, cookies: new Map() } as Agent, '/footprints', {
    headers: SAME_SITE_NAVIGATION,
  });
  assert.equal(res.status, 303);
});
