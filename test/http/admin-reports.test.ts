import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { createDiary } from '../support/diaries.js';
import { createMessage } from '../support/messages.js';
import { createCommunity } from '../support/communities.js';
import { adminPost, createReport, staffAgent } from '../support/moderation.js';
import { loggedInHandset } from '../support/mobile.js';

// Reports (通報): the form behind every "通報する" link, what a reporter may report, duplicates, and
// the queue staff work from.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

function reports(where: Record<string, unknown>) {
  return app
    .db('reports')
    .select('reporter_id', 'target_type', 'target_id', 'reported_member_id', 'category', 'body', 'snapshot', 'status')
    .where(where)
    .orderBy('id');
}

test('reports › a member reports a diary from its page: the form, the thanks, the row', async () => {
  const author = await createMember(app.db, { nickname: '書いた人' });
  const reader = await loggedInAgent(app, await createMember(app.db));
  const diary = await createDiary(app.db, author.id, { title: '通報される日記', body: '問題の本文' });
  const page = await reader.get(`/diaries/${diary.id}`);
  assert.match(page.text, new RegExp(`href="/reports/new\\?type=diary&amp;id=${diary.id}"`));
  const form = await reader.get(`/reports/new?type=diary&id=${diary.id}`);
  assert.equal(form.status, 200);
  assert.match(textOf(form.text), /誹謗中傷・嫌がらせ/);
  assert.match(textOf(form.text), /通報される日記/);
  const res = await reader.post('/reports', {
    type: 'diary',
    id: String(diary.id),
    category: 'harassment',
    body: '悪口が書かれています',
  });
  assert.equal(res.status, 303);
  assert.equal(res.location, `/diaries/${diary.id}`);
  assert.match(textOf((await reader.follow(res)).text), /通報を受け付けました/);
  const rows = await reports({ target_type: 'diary', target_id: diary.id });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].reported_member_id, author.id);
  assert.equal(rows[0].category, 'harassment');
  assert.equal(rows[0].status, 'open');
  assert.match(rows[0].snapshot, /問題の本文/);
});

test('reports › every member profile has the link; bad input is a 422 with the form kept and nothing stored', async () => {
  const target = await createMember(app.db, { nickname: 'プロフィールの人' });
  const reader = await loggedInAgent(app, await createMember(app.db));
  assert.match(
    (await reader.get(`/members/${target.id}`)).text,
    new RegExp(`/reports/new\\?type=member&amp;id=${target.id}`),
  );
  await reader.get(`/reports/new?type=member&id=${target.id}`);
  const noCategory = await reader.post('/reports', { type: 'member', id: String(target.id), body: '残しておく文' });
  assert.equal(noCategory.status, 422);
  assert.match(textOf(noCategory.text), /通報の理由を選んでください/);
  assert.match(noCategory.text, /残しておく文/);
  const other = await reader.post('/reports', { type: 'member', id: String(target.id), category: 'other', body: '' });
  assert.equal(other.status, 422);
  assert.match(textOf(other.text), /詳しい内容を書いてください/);
  const long = await reader.post('/reports', {
    type: 'member',
    id: String(target.id),
    category: 'spam',
    body: 'あ'.repeat(2001),
  });
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /2,000文字以内/);
  assert.match(long.text, /value="spam" checked/);
  const unknown = await reader.post('/reports', { type: 'member', id: String(target.id), category: 'bad-vibes' });
  assert.equal(unknown.status, 422);
  assert.equal((await reports({ target_type: 'member', target_id: target.id })).length, 0);
});

test("reports › what the reporter cannot see is a 404 (friends-only diary of a stranger, someone else's message, a blocked member, their own diary, nonsense)", async () => {
  const stranger = await createMember(app.db);
  const me = await createMember(app.db);
  const agent = await loggedInAgent(app, me);
  const hidden = await createDiary(app.db, stranger.id, { visibility: 'friends' });
  const mine = await createDiary(app.db, me.id);
  const third = await createMember(app.db);
  const notMine = await createMessage(app.db, stranger.id, third.id);
  const sentByMe = await createMessage(app.db, me.id, third.id);
  const blocker = await createMember(app.db);
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: me.id });
  const cases = [
    `type=diary&id=${hidden.id}`,
    `type=diary&id=${mine.id}`,
    `type=message&id=${notMine}`,
    `type=message&id=${sentByMe}`,
    `type=member&id=${blocker.id}`,
    `type=member&id=${me.id}`,
    'type=diary&id=999999',
    'type=nothing&id=1',
    'type=diary&id=abc',
    '',
  ];
  await agent.get('/home');
  for (const q of cases) {
    assert.equal((await agent.get(`/reports/new?${q}`)).status, 404, `GET ${q}`);
    const params = Object.fromEntries(new URLSearchParams(q));
    assert.equal((await agent.post('/reports', { ...params, category: 'spam' })).status, 404, `POST ${q}`);
  }
  assert.equal((await reports({ reporter_id: me.id })).length, 0);
});

test('reports › the same member reporting the same thing again updates their open report; others add theirs; the queue groups them', async () => {
  const author = await createMember(app.db, { nickname: '荒らし' });
  const a = await createMember(app.db, { nickname: '通報者A' });
  const b = await createMember(app.db, { nickname: '通報者B' });
  const diary = await createDiary(app.db, author.id, { title: 'スパム日記' });
  const agentA = await loggedInAgent(app, a);
  const agentB = await loggedInAgent(app, b);
  await agentA.get(`/reports/new?type=diary&id=${diary.id}`);
  assert.equal(
    (await agentA.post('/reports', { type: 'diary', id: String(diary.id), category: 'spam', body: '最初の文' })).status,
    303,
  );
  await agentA.get(`/reports/new?type=diary&id=${diary.id}`);
  assert.equal(
    (
      await agentA.post('/reports', {
        type: 'diary',
        id: String(diary.id),
        category: 'harassment',
        body: '書き直した文',
      })
    ).status,
    303,
  );
  await agentB.get(`/reports/new?type=diary&id=${diary.id}`);
  assert.equal(
    (await agentB.post('/reports', { type: 'diary', id: String(diary.id), category: 'spam', body: 'Bの文' })).status,
    303,
  );
  const rows = await reports({ target_type: 'diary', target_id: diary.id });
  assert.deepEqual(
    rows.map((r) => [r.reporter_id, r.category, r.body]),
    [
      [a.id, 'harassment', '書き直した文'],
      [b.id, 'spam', 'Bの文'],
    ],
  );

  const { agent: staff } = await staffAgent(app, 'moderator');
  const queue = textOf((await staff.get('/admin/reports')).text);
  assert.equal(queue.split('スパム日記').length - 1, 1, 'one row for the diary, however many reports');
  for (const s of ['通報者A', '書き直した文', '通報者B', 'Bの文', '件数: 2']) assert.match(queue, new RegExp(s));
  assert.doesNotMatch(queue, /最初の文/);
  // Dismissed, the group leaves the queue; reporting again opens a new report.
  assert.equal(
    (await adminPost(staff, `/admin/reports/diary/${diary.id}/dismiss`, { reason: '問題なし' }, '/admin/reports'))
      .status,
    303,
  );
  assert.doesNotMatch(textOf((await staff.get('/admin/reports')).text), /スパム日記/);
  assert.deepEqual(
    (await reports({ target_type: 'diary', target_id: diary.id })).map((r) => r.status),
    ['dismissed', 'dismissed'],
  );
  await agentA.get(`/reports/new?type=diary&id=${diary.id}`);
  assert.equal((await agentA.post('/reports', { type: 'diary', id: String(diary.id), category: 'spam' })).status, 303);
  assert.deepEqual(
    (await reports({ target_type: 'diary', target_id: diary.id })).map((r) => r.status),
    ['dismissed', 'dismissed', 'open'],
  );
});

test('reports › the queue shows content even after its author deleted it, from what was reported', async () => {
  const author = await createMember(app.db);
  const reader = await loggedInAgent(app, await createMember(app.db));
  const diary = await createDiary(app.db, author.id, { title: '消される日記', body: '証拠の本文' });
  await reader.get(`/reports/new?type=diary&id=${diary.id}`);
  await reader.post('/reports', { type: 'diary', id: String(diary.id), category: 'spam' });
  await app.db('diaries').where({ id: diary.id }).delete();
  const { agent: staff } = await staffAgent(app, 'moderator');
  const queue = textOf((await staff.get('/admin/reports')).text);
  assert.match(queue, /削除済みです/);
  assert.match(queue, /証拠の本文/);
  assert.match(textOf((await staff.get(`/admin/reports/diary/${diary.id}`)).text), /証拠の本文/);
});

test('admin views › member text with markup is inert: nicknames, titles, bodies, report texts, community names, reasons', async () => {
  const XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '</script><script>alert(2)</script>'];
  const author = await createMember(app.db, { nickname: '<b>x</b>"><i' });
  const reporter = await createMember(app.db, { nickname: '<script>n</script>' });
  const diary = await createDiary(app.db, author.id, {
    title: XSS[1].slice(0, 100),
    body: `${XSS.join('\n')}\njavascript:alert(3)`,
  });
  const community = await createCommunity(app.db, author.id, {
    name: '<img src=x onerror=alert(4)>',
    description: XSS[0],
  });
  const agent = await loggedInAgent(app, reporter);
  for (const [type, id] of [
    ['diary', diary.id],
    ['member', author.id],
    ['community', community],
  ] as const) {
    await agent.get(`/reports/new?type=${type}&id=${id}`);
    assert.equal(
      (await agent.post('/reports', { type, id: String(id), category: 'other', body: XSS.join(' ') })).status,
      303,
    );
  }
  const { agent: staff } = await staffAgent(app, 'admin');
  await adminPost(staff, `/admin/reports/diary/${diary.id}/hide`, { reason: XSS[0] });
  const pages = [
    '/admin/reports',
    `/admin/reports/diary/${diary.id}`,
    `/admin/reports/member/${author.id}`,
    `/admin/members/${author.id}`,
    `/admin/members/${reporter.id}`,
    `/admin/members?q=${encodeURIComponent('<b>')}`,
    `/admin/communities/${community}`,
    `/admin/communities?q=${community}`,
    '/admin/audit',
  ];
  for (const path of pages) {
    const res = await staff.get(path);
    assert.equal(res.status, 200, path);
    assert.doesNotMatch(res.text, /<script>(alert|n)|<img src=x|onerror=alert\(\d\)>|<b>x<\/b>|<i(?=[\s>])/, path);
    assert.doesNotMatch(res.text, /href="javascript:/, path);
  }
  assert.match((await staff.get(`/admin/reports/diary/${diary.id}`)).text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('reports › past the posting limit more reports are refused with a 429 and nothing stored, on PC and /m/ alike', async () => {
  const limited = await startTestApp({ database: app.database, limits: { reports: { points: 3, duration: 3600 } } });
  try {
    const me = await createMember(app.db);
    const agent = await loggedInAgent(limited, me);
    const handset = await loggedInHandset(limited, me);
    const targets = await Promise.all(Array.from({ length: 5 }, () => createMember(app.db)));
    const pc = (i: number) =>
      agent.post(
        '/reports',
        { type: 'member', id: String(targets[i].id), category: 'spam', body: '' },
        { tokenFrom: `/reports/new?type=member&id=${targets[i].id}` },
      );
    const mobile = (i: number) =>
      handset.post(
        '/m/reports',
        { type: 'member', id: String(targets[i].id), category: 'spam', body: '' },
        { tokenFrom: `/m/reports/new?type=member&id=${targets[i].id}` },
      );
    assert.equal((await pc(0)).status, 303);
    assert.equal((await mobile(1)).status, 303);
    assert.equal((await pc(2)).status, 303);
    const refusedOnMobile = await mobile(3);
    assert.equal(refusedOnMobile.status, 429);
    assert.match(refusedOnMobile.text, /通報が多すぎます/);
    const refusedOnPc = await pc(4);
    assert.equal(refusedOnPc.status, 429);
    assert.ok(Number(refusedOnPc.headers.get('retry-after')) > 0);
    assert.match(textOf(refusedOnPc.text), /通報が多すぎます/);
    assert.deepEqual(
      (await reports({ reporter_id: me.id })).map((r) => r.target_id),
      [targets[0].id, targets[1].id, targets[2].id],
    );
  } finally {
    await limited.close();
  }
});

test('admin queue › long texts are cut to 200 characters with a link to the report, where they are whole', async () => {
  const author = await createMember(app.db, { nickname: '長文の人' });
  const reporter = await createMember(app.db, { nickname: '長文の通報者' });
  const body = `${'長い日記の本文。'.repeat(100)}日記のおわり`;
  const reason = `${'理由の説明です。'.repeat(100)}理由のおわり`;
  const diary = await createDiary(app.db, author.id, { title: '長い日記', body });
  await createReport(app.db, {
    reporterId: reporter.id,
    type: 'diary',
    targetId: diary.id,
    reportedMemberId: author.id,
    category: 'other',
    body: reason,
    snapshot: body,
  });
  const gone = await createDiary(app.db, author.id, { title: '消えた日記', body: 'x' });
  await createReport(app.db, {
    reporterId: reporter.id,
    type: 'diary',
    targetId: gone.id,
    reportedMemberId: author.id,
    snapshot: `${'消える前の本文。'.repeat(100)}スナップショットのおわり`,
  });
  await app.db('diaries').where({ id: gone.id }).del();
  const { agent: staff } = await staffAgent(app, 'moderator');

  const queue = await staff.get('/admin/reports');
  assert.equal(queue.status, 200);
  const text = textOf(queue.text);
  for (const end of ['日記のおわり', '理由のおわり', 'スナップショットのおわり'])
    assert.doesNotMatch(text, new RegExp(end), end);
  assert.match(text, new RegExp(`${'長い日記の本文。'.repeat(25)}…`));
  assert.match(text, new RegExp(`${'理由の説明です。'.repeat(25)}…`));
  assert.ok(queue.text.length < 30_000, `the queue page stays small (${queue.text.length} bytes)`);
  for (const id of [diary.id, gone.id])
    assert.match(queue.text, new RegExp(`<a href="/admin/reports/diary/${id}">続きを見る</a>`), String(id));

  const whole = textOf((await staff.get(`/admin/reports/diary/${diary.id}`)).text);
  assert.match(whole, /日記のおわり/);
  assert.match(whole, /理由のおわり/);

  assert.equal(
    (await adminPost(staff, `/admin/reports/diary/${diary.id}/dismiss`, {}, `/admin/reports/diary/${diary.id}`)).status,
    303,
  );
  const closed = await staff.get('/admin/reports?status=closed');
  assert.doesNotMatch(textOf(closed.text), /理由のおわり/);
  assert.match(closed.text, new RegExp(`<a href="/admin/reports/diary/${diary.id}">続きを見る</a>`));
});
