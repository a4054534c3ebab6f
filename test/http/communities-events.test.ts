import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, createEvent, createTopic, MANY_LOGINS } from '../support/communities.js';
import { loggedInHandset } from '../support/mobile.js';
import { formatDay, tokyoDate } from '../../src/lib/dates.js';

// SPEC §6 events: a date, a prefecture, a deadline, a capacity; join and cancel; a waitlist in
// order that moves up on a cancellation; nobody joins after the deadline or once closed.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

const DAY = 86_400_000;
const inDays = (n: number) => tokyoDate(new Date(app.clock.now().getTime() + n * DAY));
const people = (topicId: number) =>
  app.db('community_event_participants').select('member_id', 'status').where({ topic_id: topicId }).orderBy('id');
const seats = async (topicId: number) =>
  Number(
    (await app.db('community_events').select('participant_count').where({ topic_id: topicId }).first())
      .participant_count,
  );

async function community(size: number) {
  const owner = await createMember(app.db, { nickname: '幹事' });
  const id = await createCommunity(app.db, owner.id);
  const members = [];
  for (let i = 0; i < size; i++) {
    const m = await createMember(app.db, { nickname: `参加者${i}` });
    await addMember(app.db, id, m.id);
    members.push({ m, agent: await loggedInAgent(app, m) });
  }
  return { owner, id, members, boss: await loggedInAgent(app, owner) };
}

test('events › the organiser creates an event; the page shows its date, place, deadline and capacity', async () => {
  const { id, boss } = await community(0);
  const fields = {
    title: '新年会',
    body: '飲みましょう',
    event_date: inDays(10),
    date_note: '19時〜',
    prefecture: '27',
    deadline: inDays(5),
    capacity: '20',
    submission_key: crypto.randomUUID(),
  };
  const res = await boss.post(`/communities/${id}/events`, fields, { tokenFrom: `/communities/${id}/events/new` });
  assert.equal(res.status, 303);
  const topicId = Number(/topics\/(\d+)$/.exec(res.location!)![1]);
  const row = await app
    .db('community_events')
    .select('event_date', 'date_note', 'prefecture', 'deadline', 'capacity', 'participant_count')
    .where({ topic_id: topicId })
    .first();
  assert.deepEqual(row, {
    event_date: inDays(10),
    date_note: '19時〜',
    prefecture: 27,
    deadline: inDays(5),
    capacity: 20,
    participant_count: 0,
  });
  assert.equal(
    (await app.db('community_topics').select('kind', 'author_id').where({ id: topicId }).first()).kind,
    'event',
  );
  const page = textOf((await boss.follow(res)).text);
  for (const s of ['新年会', formatDay(inDays(10), 'ja'), '19時〜', '大阪府', '0人 / 定員20人', '募集中'])
    assert.ok(page.includes(s), s);
  const list = textOf((await boss.get(`/communities/${id}/events`)).text);
  assert.match(list, /新年会/);
  assert.match(list, /大阪府/);
  assert.match(textOf((await boss.get(`/communities/${id}`)).text), /新年会/);
});

test('events › bad dates, places and capacities are a 422 with the form kept; nothing is made', async () => {
  const { id, boss } = await community(0);
  await boss.get(`/communities/${id}/events/new`);
  const base = { title: '花見', body: '桜', date_note: '', submission_key: crypto.randomUUID() };
  const cases: [Record<string, string>, RegExp][] = [
    [{ event_date: inDays(-1), deadline: inDays(-1), prefecture: '13', capacity: '' }, /開催日は今日以降/],
    [{ event_date: inDays(3), deadline: inDays(4), prefecture: '13', capacity: '' }, /募集期限は開催日まで/],
    [{ event_date: '2030-02-30', deadline: inDays(1), prefecture: '13', capacity: '' }, /開催日を正しく/],
    [{ event_date: inDays(3), deadline: inDays(1), prefecture: '48', capacity: '' }, /都道府県を選んで/],
    [{ event_date: inDays(3), deadline: inDays(1), prefecture: '13', capacity: '0' }, /定員は1〜10,000/],
    [{ event_date: inDays(3), deadline: inDays(1), prefecture: '13', capacity: '20000' }, /定員は1〜10,000/],
  ];
  for (const [fields, message] of cases) {
    const res = await boss.post(`/communities/${id}/events`, { ...base, ...fields });
    assert.equal(res.status, 422, JSON.stringify(fields));
    assert.match(textOf(res.text), message);
    assert.match(res.text, /value="花見"/);
  }
  assert.equal(await app.db('community_topics').where({ community_id: id }).first(), undefined);
});

test('events › when full, applicants wait in order; a cancellation moves the first one up', async () => {
  const { id, owner, members } = await community(4);
  const topicId = await createEvent(app.db, id, owner.id, { event_date: inDays(7), deadline: inDays(7), capacity: 2 });
  const path = `/communities/${id}/topics/${topicId}`;
  const flashes = [];
  for (const { agent } of members)
    flashes.push(textOf((await agent.follow(await agent.post(`${path}/participants`, {}, { tokenFrom: path }))).text));
  assert.match(flashes[0], /参加登録しました/);
  assert.match(flashes[2], /キャンセル待ちに登録しました/);
  assert.match(flashes[3], /キャンセル待ち2番目/);
  assert.deepEqual(
    (await people(topicId)).map((p) => p.status),
    ['going', 'going', 'waitlisted', 'waitlisted'],
  );
  assert.equal(await seats(topicId), 2);

  const cancel = await members[0].agent.post(`${path}/participants/cancel`, {}, { tokenFrom: path });
  assert.match(textOf((await members[0].agent.follow(cancel)).text), /参加をキャンセルしました/);
  const after = await people(topicId);
  assert.deepEqual(
    after.map((p) => [p.member_id, p.status]),
    [
      [members[1].m.id, 'going'],
      [members[2].m.id, 'going'],
      [members[3].m.id, 'waitlisted'],
    ],
  );
  assert.equal(await seats(topicId), 2);
  assert.match(textOf((await members[2].agent.get(path)).text), /あなたは参加予定です/);
  // A waitlisted member cancelling frees no seat.
  await members[3].agent.post(`${path}/participants/cancel`, {}, { tokenFrom: path });
  assert.equal((await people(topicId)).length, 2);
  assert.equal(await seats(topicId), 2);
});

test('events › two members taking the last seat at once: one seat, one waitlist place', async () => {
  for (let round = 0; round < 3; round++) {
    const { id, owner, members } = await community(2);
    const topicId = await createEvent(app.db, id, owner.id, {
      event_date: inDays(7),
      deadline: inDays(7),
      capacity: 1,
    });
    const path = `/communities/${id}/topics/${topicId}`;
    for (const { agent } of members) await agent.get(path);
    const results = await Promise.all(members.map(({ agent }) => agent.post(`${path}/participants`, {})));
    assert.deepEqual(
      results.map((r) => r.status),
      [303, 303],
    );
    assert.deepEqual((await people(topicId)).map((p) => p.status).sort(), ['going', 'waitlisted']);
    assert.equal(await seats(topicId), 1);
  }
});

test('events › after the deadline nobody joins; once the organiser closes it, nobody joins; others cannot close it', async () => {
  const { id, owner, members, boss } = await community(2);
  const late = await createEvent(app.db, id, owner.id, { event_date: inDays(3), deadline: inDays(1), capacity: null });
  const closing = await createEvent(app.db, id, owner.id, {
    event_date: inDays(3),
    deadline: inDays(3),
    capacity: null,
  });
  const [a, b] = members;
  await a.agent.post(
    `/communities/${id}/topics/${late}/participants`,
    {},
    { tokenFrom: `/communities/${id}/topics/${late}` },
  );
  assert.equal((await people(late)).length, 1, 'before the deadline: in');
  app.clock.advance(2 * DAY);
  const tooLate = await b.agent.post(
    `/communities/${id}/topics/${late}/participants`,
    {},
    { tokenFrom: `/communities/${id}/topics/${late}` },
  );
  assert.match(textOf((await b.agent.follow(tooLate)).text), /募集期限を過ぎています/);
  assert.equal((await people(late)).length, 1);

  await a.agent.get(`/communities/${id}/topics/${closing}`);
  assert.equal((await a.agent.post(`/communities/${id}/topics/${closing}/close`, {})).status, 403);
  const closed = await boss.post(
    `/communities/${id}/topics/${closing}/close`,
    {},
    { tokenFrom: `/communities/${id}/topics/${closing}` },
  );
  assert.match(textOf((await boss.follow(closed)).text), /募集を締め切りました/);
  assert.ok((await app.db('community_events').select('closed_at').where({ topic_id: closing }).first()).closed_at);
  const refused = await b.agent.post(
    `/communities/${id}/topics/${closing}/participants`,
    {},
    { tokenFrom: `/communities/${id}/topics/${closing}` },
  );
  assert.match(textOf((await b.agent.follow(refused)).text), /締め切られています/);
  assert.equal((await people(closing)).length, 0);
});

test('events › dates read 2099年12月22日(火) on every event page (PC and mobile), Tue 22 Dec 2099 in English', async () => {
  const { id, owner, members } = await community(1);
  const topicId = await createEvent(app.db, id, owner.id, {
    event_date: '2099-12-22',
    deadline: '2099-12-20',
    capacity: 5,
    title: '忘年会',
  });
  const { m, agent } = members[0];
  const path = `/communities/${id}/topics/${topicId}`;
  for (const url of [path, `/communities/${id}/events`, `/communities/${id}`]) {
    const text = textOf((await agent.get(url)).text);
    assert.match(text, /2099年12月22日\(火\)/, url);
    assert.doesNotMatch(text, /2099-12-22/, url);
  }
  assert.match(textOf((await agent.get(path)).text), /2099年12月20日\(日\)/, 'the deadline too');
  const handset = await loggedInHandset(app, m);
  for (const url of [`/m${path}`, `/m/communities/${id}/events`, `/m/communities/${id}`]) {
    const text = textOf((await handset.get(url)).text);
    assert.match(text, /2099年12月22日\(火\)/, url);
    assert.doesNotMatch(text, /2099-12-22/, url);
  }
  agent.cookies.set('lang', 'en');
  const english = textOf((await agent.get(path)).text);
  assert.match(english, /Tue 22 Dec 2099/);
  assert.match(english, /Sun 20 Dec 2099/);
  assert.match(
    english,
    /\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}\b/,
    'moments name their month too',
  );
  assert.doesNotMatch(english, /\d{2}\/\d{2}\/\d{4}/, 'never the ambiguous 08/12/2026');
});

test('events › an event, its form and its deletion sit under the イベント tab; a topic under 掲示板', async () => {
  const { id, owner, boss } = await community(0);
  const eventId = await createEvent(app.db, id, owner.id, { event_date: '2099-12-22', deadline: '2099-12-20' });
  const topicId = await createTopic(app.db, id, owner.id);
  const current = (html: string) => [...html.matchAll(/<a href="([^"]+)" aria-current="page">/g)].map((x) => x[1]);
  for (const url of [
    `/communities/${id}/topics/${eventId}`,
    `/communities/${id}/events/new`,
    `/communities/${id}/topics/${eventId}/delete`,
    `/communities/${id}/events`,
  ]) {
    const res = await boss.get(url);
    assert.equal(res.status, 200, url);
    assert.deepEqual(current(res.text), [`/communities/${id}/events`], url);
  }
  for (const url of [
    `/communities/${id}/topics/${topicId}`,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
  ]) {
    assert.deepEqual(current((await boss.get(url)).text), [`/communities/${id}/topics`], url);
  }
});

test('events › only community members join (403); the past-events list; cross-site join is 403', async () => {
  const { id, owner, members } = await community(1);
  const topicId = await createEvent(app.db, id, owner.id, {
    event_date: inDays(2),
    deadline: inDays(1),
    capacity: 10,
    title: 'まもなく',
  });
  const outsider = await loggedInAgent(app, await createMember(app.db));
  const path = `/communities/${id}/topics/${topicId}`;
  await outsider.get(path);
  assert.equal((await outsider.post(`${path}/participants`, {})).status, 403);
  const cross = await members[0].agent.post(
    `${path}/participants`,
    {},
    { tokenFrom: path, headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(cross.status, 403);
  assert.equal((await people(topicId)).length, 0);
  app.clock.advance(3 * DAY);
  const upcoming = textOf((await members[0].agent.get(`/communities/${id}/events`)).text);
  assert.doesNotMatch(upcoming, /まもなく/);
  assert.match(textOf((await members[0].agent.get(`/communities/${id}/events?past=1`)).text), /まもなく/);
});
