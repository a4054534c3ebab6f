import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { postForm } from '../support/multipart.js';
import * as img from '../support/images.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';

// SPEC §6 bulletin boards: topics by latest activity, numbered comments, photos, deletion; SECURITY
// 21, 37, 39: inert text, double submits, the same text twice, posting limits.

let app: TestApp;
let close: () => Promise<void>;
before(async () => {
  ({ app, close } = await startPhotoApp({ limits: MANY_LOGINS }));
});
after(() => close());

async function board(opts: Parameters<typeof createCommunity>[2] = {}) {
  const owner = await createMember(app.db, { nickname: '管理する人' });
  const m = await createMember(app.db, { nickname: '書く人' });
  const id = await createCommunity(app.db, owner.id, opts);
  await addMember(app.db, id, m.id);
  return { owner, m, id, boss: await loggedInAgent(app, owner), writer: await loggedInAgent(app, m) };
}

const topicFields = (over: Record<string, string> = {}) => ({
  title: '猫の写真を貼ろう',
  body: 'うちの猫です。\nhttps://example.com/neko',
  submission_key: crypto.randomUUID(),
  ...over,
});
const commentsOf = (topicId: number) =>
  app
    .db('community_comments')
    .select('number', 'author_id', 'body', 'deleted_at')
    .where({ topic_id: topicId })
    .orderBy('number');

test('topics › a member starts a topic with two photos; the page shows them and the board lists it', async () => {
  const { id, writer, m } = await board();
  const res = await postForm(writer, `/communities/${id}/topics/new`, `/communities/${id}/topics`, topicFields(), [
    await img.jpeg(400, 300),
    await img.png(200, 200),
  ]);
  assert.equal(res.status, 303);
  const topicId = Number(/topics\/(\d+)$/.exec(res.location!)![1]);
  const row = await app
    .db('community_topics')
    .select('author_id', 'title', 'kind', 'comment_count')
    .where({ id: topicId })
    .first();
  assert.deepEqual(row, { author_id: m.id, title: '猫の写真を貼ろう', kind: 'topic', comment_count: 0 });
  const photos = await app
    .db('community_post_photos as pp')
    .join('photos as p', 'p.id', 'pp.photo_id')
    .select('pp.photo_id', 'pp.position', 'p.kind')
    .where('pp.topic_id', topicId)
    .orderBy('pp.position');
  assert.deepEqual(
    photos.map((p) => [p.position, p.kind]),
    [
      [1, 'topic'],
      [2, 'topic'],
    ],
  );
  const page = await writer.get(`/communities/${id}/topics/${topicId}`);
  assert.match(page.text, new RegExp(`/photos/${photos[0].photo_id}/sq180`));
  assert.match(page.text, /<a href="https:\/\/example.com\/neko" rel="nofollow noopener noreferrer">/);
  assert.equal((await fetchPhoto(writer, `/photos/${photos[1].photo_id}/w600`)).status, 200);
  assert.match(textOf((await writer.get(`/communities/${id}/topics`)).text), /猫の写真を貼ろう/);
  assert.match(textOf((await writer.get(`/communities/${id}`)).text), /猫の写真を貼ろう/);
});

test('topics › bad input is a 422 with the form kept; a fourth photo or an unreadable file too', async () => {
  const { id, writer, m } = await board();
  const empty = await postForm(
    writer,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
    topicFields({ title: '', body: '残しておく本文' }),
  );
  assert.equal(empty.status, 422);
  assert.match(textOf(empty.text), /タイトルを入力してください/);
  assert.match(empty.text, /残しておく本文/);
  const long = await postForm(
    writer,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
    topicFields({ title: 'た'.repeat(101) }),
  );
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /100文字以内/);
  const jpeg = await img.jpeg(50, 50);
  const four = await postForm(writer, `/communities/${id}/topics/new`, `/communities/${id}/topics`, topicFields(), [
    jpeg,
    jpeg,
    jpeg,
    jpeg,
  ]);
  assert.equal(four.status, 422);
  assert.match(textOf(four.text), /写真は3枚までです/);
  assert.match(four.text, /value="猫の写真を貼ろう"/);
  const svg = await postForm(
    writer,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
    topicFields({ body: 'SVGは不可' }),
    [img.svg()],
  );
  assert.equal(svg.status, 422);
  assert.match(textOf(svg.text), /JPEG・PNG・WebP/);
  assert.equal(await app.db('community_topics').where({ author_id: m.id }).first(), undefined);
});

test('topics › who may start one: non-members 403; managers-only boards refuse members (403) and take sub-managers', async () => {
  const { id } = await board();
  const outsider = await loggedInAgent(app, await createMember(app.db));
  assert.equal((await outsider.get(`/communities/${id}/topics/new`)).status, 403);
  await outsider.get(`/communities/${id}/topics`);
  assert.equal((await outsider.post(`/communities/${id}/topics`, topicFields())).status, 403);

  const managed = await board({ topic_creation: 'managers' });
  const sub = await createMember(app.db);
  await addMember(app.db, managed.id, sub.id, 'sub_manager');
  assert.equal((await managed.writer.get(`/communities/${managed.id}/topics/new`)).status, 403);
  assert.equal((await managed.writer.post(`/communities/${managed.id}/topics`, topicFields())).status, 403);
  const subAgent = await loggedInAgent(app, sub);
  assert.equal(
    (
      await subAgent.post(`/communities/${managed.id}/topics`, topicFields(), {
        tokenFrom: `/communities/${managed.id}/topics/new`,
      })
    ).status,
    303,
  );
  assert.equal((await app.db('community_topics').where({ community_id: managed.id })).length, 1);
});

test('topics › a double submit makes one topic; the same text again within 5 minutes is refused, later accepted', async () => {
  const { id, writer, m } = await board();
  await writer.get(`/communities/${id}/topics/new`);
  const fields = topicFields({ title: '二度押し', body: '一度だけ' });
  const [a, b] = await Promise.all([
    writer.post(`/communities/${id}/topics`, fields),
    writer.post(`/communities/${id}/topics`, fields),
  ]);
  assert.deepEqual([a.status, b.status], [303, 303]);
  assert.equal(a.location, b.location);
  assert.equal((await app.db('community_topics').where({ author_id: m.id })).length, 1);

  // The same text from a new form (a deliberate re-post), in this or another community.
  const other = await createCommunity(app.db, (await createMember(app.db)).id);
  await addMember(app.db, other, m.id);
  const again = await writer.post(
    `/communities/${other}/topics`,
    { ...fields, submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${other}/topics/new` },
  );
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /同じ内容が5分以内に投稿されています/);
  app.clock.advance(6 * 60_000);
  const later = await writer.post(
    `/communities/${other}/topics`,
    { ...fields, submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${other}/topics/new` },
  );
  assert.equal(later.status, 303);
  assert.equal((await app.db('community_topics').where({ author_id: m.id })).length, 2);
});

test('comments › numbered 1, 2, 3 under concurrency; a deleted one keeps its number; the topic moves up the board', async () => {
  const { id, writer, boss, m } = await board();
  const older = await createTopic(app.db, id, m.id, { title: '古いトピック' });
  const topicId = await createTopic(app.db, id, m.id, { title: '話題' });
  const now = app.clock.now().getTime();
  await app
    .db('community_topics')
    .where({ id: older })
    .update({ last_activity_at: new Date(now - 3_600_000), created_at: new Date(now - 3_600_000) });
  await app
    .db('community_topics')
    .where({ id: topicId })
    .update({ last_activity_at: new Date(now - 86_400_000), created_at: new Date(now - 86_400_000) });
  const agents = [writer, boss, writer, boss, writer, boss];
  for (const a of agents) await a.get(`/communities/${id}/topics/${topicId}`);
  const results = await Promise.all(
    agents.map((a, i) =>
      a.post(`/communities/${id}/topics/${topicId}/comments`, {
        body: `コメント${i}`,
        submission_key: crypto.randomUUID(),
      }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    [303, 303, 303, 303, 303, 303],
  );
  assert.deepEqual(
    (await commentsOf(topicId)).map((c) => c.number),
    [1, 2, 3, 4, 5, 6],
  );
  const list = textOf((await writer.get(`/communities/${id}/topics`)).text);
  assert.ok(list.indexOf('話題') < list.indexOf('古いトピック'), 'latest activity first');

  const mine = (await commentsOf(topicId)).find((c) => c.author_id === m.id)!;
  await writer.get(`/communities/${id}/topics/${topicId}`);
  const del = await writer.post(`/communities/${id}/topics/${topicId}/comments/${mine.number}/delete`, {});
  assert.equal(del.status, 303);
  const page = textOf((await writer.follow(del)).text);
  assert.match(page, /コメントを削除しました/);
  assert.match(page, new RegExp(`${mine.number} .*このコメントは削除されました`));
  const row = (await commentsOf(topicId)).find((c) => c.number === mine.number)!;
  assert.ok(row.deleted_at);
  assert.equal(row.body, '');
  assert.equal(
    (await app.db('community_topics').select('comment_count', 'last_comment_number').where({ id: topicId }).first())
      .comment_count,
    5,
  );
  const next = await writer.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: '次の番号', submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  assert.equal(next.location, `/communities/${id}/topics/${topicId}#comment-7`);
});

test("comments › authors delete their own, managers any; a member cannot delete another's (403)", async () => {
  const { id, writer, boss, owner } = await board();
  const third = await createMember(app.db);
  await addMember(app.db, id, third.id);
  const topicId = await createTopic(app.db, id, owner.id);
  await writer.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: '書く人のコメント', submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  const thirdAgent = await loggedInAgent(app, third);
  await thirdAgent.get(`/communities/${id}/topics/${topicId}`);
  assert.equal((await thirdAgent.post(`/communities/${id}/topics/${topicId}/comments/1/delete`, {})).status, 403);
  assert.equal((await thirdAgent.post(`/communities/${id}/topics/${topicId}/delete`, {})).status, 403);
  assert.equal((await commentsOf(topicId))[0].deleted_at, null);
  await boss.get(`/communities/${id}/topics/${topicId}`);
  assert.equal((await boss.post(`/communities/${id}/topics/${topicId}/comments/1/delete`, {})).status, 303);
  assert.ok((await commentsOf(topicId))[0].deleted_at);
  assert.equal(
    (await boss.post(`/communities/${id}/topics/${topicId}/comments/1/delete`, {})).status,
    404,
    'already deleted',
  );
  assert.equal((await boss.post(`/communities/${id}/topics/${topicId}/comments/99/delete`, {})).status, 404);
});

test('comments › bad input is a 422 with the text kept; a double submit makes one comment; the same text twice is refused', async () => {
  const { id, writer, owner } = await board();
  const topicId = await createTopic(app.db, id, owner.id);
  await writer.get(`/communities/${id}/topics/${topicId}`);
  const long = await writer.post(`/communities/${id}/topics/${topicId}/comments`, {
    body: 'こ'.repeat(5001),
    submission_key: crypto.randomUUID(),
  });
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /5,000文字以内/);
  assert.match(long.text, /こここ/);
  const fields = { body: '一回だけ', submission_key: crypto.randomUUID() };
  const [a, b] = await Promise.all([
    writer.post(`/communities/${id}/topics/${topicId}/comments`, fields),
    writer.post(`/communities/${id}/topics/${topicId}/comments`, fields),
  ]);
  assert.deepEqual([a.status, b.status], [303, 303]);
  assert.equal((await commentsOf(topicId)).length, 1);
  const again = await writer.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: '一回だけ', submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /同じ内容が5分以内/);
  assert.equal((await commentsOf(topicId)).length, 1);
  const cross = await writer.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: '外から', submission_key: crypto.randomUUID() },
    { headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(cross.status, 403);
  const outsider = await loggedInAgent(app, await createMember(app.db));
  await outsider.get(`/communities/${id}/topics/${topicId}`);
  assert.equal(
    (
      await outsider.post(`/communities/${id}/topics/${topicId}/comments`, {
        body: '部外者',
        submission_key: crypto.randomUUID(),
      })
    ).status,
    403,
  );
  assert.equal((await commentsOf(topicId)).length, 1);
});

test('comments › photos on a comment are served to readers and removed with the comment', async () => {
  const { id, writer, owner } = await board();
  const topicId = await createTopic(app.db, id, owner.id);
  const res = await postForm(
    writer,
    `/communities/${id}/topics/${topicId}`,
    `/communities/${id}/topics/${topicId}/comments`,
    { body: '写真つき', submission_key: crypto.randomUUID() },
    [await img.jpeg(120, 90)],
  );
  assert.equal(res.status, 303);
  const [photo] = await app
    .db('community_post_photos as pp')
    .join('photos as p', 'p.id', 'pp.photo_id')
    .select('pp.photo_id', 'p.kind')
    .where('pp.topic_id', topicId);
  assert.equal(photo.kind, 'topic_comment');
  const reader = await loggedInAgent(app, await createMember(app.db));
  assert.match(
    (await reader.get(`/communities/${id}/topics/${topicId}`)).text,
    new RegExp(`/photos/${photo.photo_id}/sq180`),
  );
  assert.equal((await fetchPhoto(reader, `/photos/${photo.photo_id}/sq180`)).status, 200);
  await writer.post(
    `/communities/${id}/topics/${topicId}/comments/1/delete`,
    {},
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  assert.equal((await fetchPhoto(reader, `/photos/${photo.photo_id}/sq180`)).status, 404);
  assert.equal(await app.db('photos').where({ id: photo.photo_id }).first(), undefined);
});

test('topics › deleting a topic takes its comments and photos; by its author or a manager only', async () => {
  const { id, writer, boss } = await board();
  const res = await postForm(
    writer,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
    topicFields({ title: '消えるトピック' }),
    [await img.jpeg(100, 100)],
  );
  const topicId = Number(/topics\/(\d+)$/.exec(res.location!)![1]);
  await boss.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: 'コメント', submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  const [photo] = await app.db('community_post_photos').select('photo_id').where({ topic_id: topicId });
  assert.equal((await boss.get(`/communities/${id}/topics/${topicId}/delete`)).status, 200);
  const del = await boss.post(`/communities/${id}/topics/${topicId}/delete`, {});
  assert.equal(del.status, 303);
  assert.match(textOf((await boss.follow(del)).text), /トピックを削除しました/);
  assert.equal(await app.db('community_topics').where({ id: topicId }).first(), undefined);
  assert.equal(await app.db('community_comments').where({ topic_id: topicId }).first(), undefined);
  assert.equal(await app.db('photos').where({ id: photo.photo_id }).first(), undefined);
  assert.equal((await writer.get(`/communities/${id}/topics/${topicId}`)).status, 404);
});

test('blocks › posts by a member who blocked you, or whom you blocked, are hidden from you', async () => {
  const { id, writer, m, owner } = await board();
  const blocker = await createMember(app.db, { nickname: 'ブロックした人' });
  await addMember(app.db, id, blocker.id);
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: m.id });
  const blockerAgent = await loggedInAgent(app, blocker);
  const res = await postForm(
    blockerAgent,
    `/communities/${id}/topics/new`,
    `/communities/${id}/topics`,
    topicFields({ title: '見えないトピック' }),
    [await img.jpeg(80, 80)],
  );
  const hiddenTopic = Number(/topics\/(\d+)$/.exec(res.location!)![1]);
  const open = await createTopic(app.db, id, owner.id, { title: '見えるトピック' });
  await blockerAgent.post(
    `/communities/${id}/topics/${open}/comments`,
    { body: 'ブロックした人のコメント', submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${open}` },
  );
  const [photo] = await app.db('community_post_photos').select('photo_id').where({ topic_id: hiddenTopic });

  const list = textOf((await writer.get(`/communities/${id}/topics`)).text);
  assert.match(list, /見えるトピック/);
  assert.doesNotMatch(list, /見えないトピック/);
  assert.equal((await writer.get(`/communities/${id}/topics/${hiddenTopic}`)).status, 404);
  assert.equal((await fetchPhoto(writer, `/photos/${photo.photo_id}/sq76`)).status, 404);
  const page = textOf((await writer.get(`/communities/${id}/topics/${open}`)).text);
  assert.doesNotMatch(page, /ブロックした人のコメント/);
  assert.match(page, /このコメントは表示できません/);
  // And the other way round: the blocker does not see the blocked member's posts either.
  const byBlocked = await createTopic(app.db, id, m.id, { title: 'ブロックされた人のトピック' });
  assert.equal((await blockerAgent.get(`/communities/${id}/topics/${byBlocked}`)).status, 404);
  // Everyone else sees everything.
  const other = await loggedInAgent(app, owner);
  assert.match(textOf((await other.get(`/communities/${id}/topics`)).text), /見えないトピック/);
  assert.equal((await fetchPhoto(other, `/photos/${photo.photo_id}/sq76`)).status, 200);
});

test('comments › a long topic shows the latest 50, with a link to the earlier ones', async () => {
  const { id, writer, owner } = await board();
  const topicId = await createTopic(app.db, id, owner.id);
  const rows = Array.from({ length: 55 }, (_, i) => ({
    topic_id: topicId,
    number: i + 1,
    author_id: owner.id,
    body: `第${i + 1}コメント`,
    submission_key: crypto.randomUUID(),
  }));
  await app.db('community_comments').insert(rows);
  await app.db('community_topics').where({ id: topicId }).update({ last_comment_number: 55, comment_count: 55 });
  const latest = await writer.get(`/communities/${id}/topics/${topicId}`);
  const text = textOf(latest.text);
  assert.match(text, /第55コメント/);
  assert.match(text, /第6コメント/);
  assert.doesNotMatch(text, /第5コメント/);
  const earlier = textOf((await writer.get(`/communities/${id}/topics/${topicId}?before=6`)).text);
  assert.match(earlier, /第1コメント/);
  assert.match(earlier, /第5コメント/);
  assert.doesNotMatch(earlier, /第6コメント/);
  assert.match((await writer.get(`/communities/${id}/topics/${topicId}?before=6`)).text, /href="\?after=5"/);
});

test('XSS › topic titles, bodies and comments are inert', async () => {
  const { id, writer } = await board();
  const payload = `<script>alert(1)</script>"><img src=x onerror=alert(2)> javascript:alert(3) </script>`;
  const res = await writer.post(
    `/communities/${id}/topics`,
    topicFields({ title: payload.slice(0, 100), body: payload }),
    { tokenFrom: `/communities/${id}/topics/new` },
  );
  const topicId = Number(/topics\/(\d+)$/.exec(res.location!)![1]);
  await writer.post(
    `/communities/${id}/topics/${topicId}/comments`,
    { body: payload, submission_key: crypto.randomUUID() },
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  for (const path of [`/communities/${id}/topics/${topicId}`, `/communities/${id}/topics`, `/communities/${id}`]) {
    const html = (await writer.get(path)).text;
    assert.doesNotMatch(html, /<script>alert/, path);
    assert.doesNotMatch(html, /<img src=x/, path);
    assert.doesNotMatch(html, /href="javascript:/, path);
    assert.match(html, /&lt;script&gt;alert\(1\)/, path);
  }
});

test('limits › topics and comments per account are limited (429), and nothing is written past the limit', async () => {
  const limited = await startTestApp({
    limits: { communityTopics: { points: 2, duration: 3600 }, comments: { points: 2, duration: 3600 } },
  });
  try {
    const owner = await createMember(limited.db);
    const id = await createCommunity(limited.db, owner.id);
    const agent = await loggedInAgent(limited, owner);
    await agent.get(`/communities/${id}/topics/new`);
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await agent.post(`/communities/${id}/topics`, topicFields({ title: `トピック${i}`, body: `本文${i}` })))
          .status,
      );
    assert.deepEqual(statuses, [303, 303, 429]);
    const topicId = (await limited.db('community_topics').select('id').where({ community_id: id }).first()).id;
    await agent.get(`/communities/${id}/topics/${topicId}`);
    const comments = [];
    for (let i = 0; i < 3; i++)
      comments.push(
        (
          await agent.post(`/communities/${id}/topics/${topicId}/comments`, {
            body: `c${i}`,
            submission_key: crypto.randomUUID(),
          })
        ).status,
      );
    assert.deepEqual(comments, [303, 303, 429]);
    assert.equal((await limited.db('community_topics').where({ community_id: id })).length, 2);
    assert.equal((await limited.db('community_comments').where({ topic_id: topicId })).length, 2);
  } finally {
    await limited.close();
  }
});
