import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf, type Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { startPhotoApp, fetchPhoto } from '../support/photos.js';
import { jpeg } from '../support/images.js';
import { createMessage } from '../support/messages.js';
import { adminPost, auditRows, createReport, failAuditWrites, staffAgent } from '../support/moderation.js';

// Hiding reported content: the operators' notice takes its place on every surface that shows it,
// the text is gone from the HTML, and restoring brings it back.

const NOTICE = 'このコンテンツは運営により非表示になりました';

let app: TestApp;
let closeApp: () => Promise<void>;
before(async () => {
  ({ app, close: closeApp } = await startPhotoApp());
});
after(async () => {
  await closeApp();
});

async function page(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path);
  assert.equal(res.status, 200, path);
  return textOf(res.text);
}

/** Every surface a friend sees a diary on. */
function diarySurfaces(authorId: number, diaryId: number) {
  return [`/diaries/${diaryId}`, `/members/${authorId}/diaries`, `/members/${authorId}`, '/diaries/friends', '/home'];
}

test("hiding › a hidden diary shows the notice on its page, the author's list, the profile, friends' latest and home; restore brings it back", async () => {
  const author = await createMember(app.db, { nickname: '日記の人' });
  const friend = await createMember(app.db, { nickname: '友だち' });
  await makeFriends(app.db, author.id, friend.id);
  const authorAgent = await loggedInAgent(app, author);
  const friendAgent = await loggedInAgent(app, friend);
  const res = await postDiary(
    authorAgent,
    { title: '問題のある日記タイトル', body: '問題のある本文', visibility: 'friends', comments_enabled: 'yes' },
    [await jpeg(200, 200)],
  );
  const diaryId = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const photoId = (await app.db('diary_photos').where({ diary_id: diaryId }).first()).photo_id;
  assert.equal((await fetchPhoto(friendAgent, `/photos/${photoId}/sq76`)).status, 200);
  for (const path of diarySurfaces(author.id, diaryId))
    assert.match(await page(friendAgent, path), /問題のある日記タイトル/, path);
  await createReport(app.db, {
    reporterId: friend.id,
    type: 'diary',
    targetId: diaryId,
    reportedMemberId: author.id,
    category: 'harassment',
  });

  const { agent: staff, staff: staffMember } = await staffAgent(app, 'moderator');
  const hide = await adminPost(
    staff,
    `/admin/reports/diary/${diaryId}/hide`,
    { reason: '誹謗中傷のため' },
    `/admin/reports/diary/${diaryId}`,
  );
  assert.equal(hide.status, 303);
  assert.match(textOf((await staff.follow(hide)).text), /非表示にしました/);

  for (const path of diarySurfaces(author.id, diaryId)) {
    const html = (await friendAgent.get(path)).text;
    assert.doesNotMatch(html, /問題のある/, `${path}: the hidden text is not in the page at all`);
    assert.match(textOf(html), new RegExp(NOTICE), path);
  }
  assert.match(await page(friendAgent, `/diaries/${diaryId}`), /理由：誹謗中傷のため/);
  assert.equal((await fetchPhoto(friendAgent, `/photos/${photoId}/sq76`)).status, 404, 'its photos go with it');
  assert.doesNotMatch(
    (await friendAgent.get('/home')).text,
    new RegExp(`/photos/${photoId}/`),
    "not among friends' latest photos",
  );
  // The author sees the notice and the reason too, cannot edit it, and can still delete it.
  assert.match(await page(authorAgent, `/diaries/${diaryId}`), /理由：誹謗中傷のため/);
  assert.equal((await authorAgent.get(`/diaries/${diaryId}/edit`)).status, 404);
  assert.equal((await authorAgent.get(`/diaries/${diaryId}/delete`)).status, 200);
  // No new comments on it.
  const comment = await friendAgent.post(
    `/diaries/${diaryId}/comments`,
    { body: 'コメント', submission_key: crypto.randomUUID() },
    { tokenFrom: `/diaries/${diaryId}` },
  );
  assert.equal(comment.status, 422);
  // The staff view still shows the content, marked hidden; the report was closed as acted on.
  const adminView = textOf((await staff.get(`/admin/reports/diary/${diaryId}`)).text);
  assert.match(adminView, /問題のある日記タイトル/);
  assert.match(adminView, /運営により非表示/);
  assert.equal(
    (await app.db('reports').where({ target_id: diaryId, target_type: 'diary' }).first()).status,
    'actioned',
  );
  const [row] = await auditRows(app.db, { action: 'diary.hide', target_id: diaryId });
  assert.equal(row.staff_id, staffMember.id);
  assert.equal(row.subject_member_id, author.id);
  assert.equal(row.reason, '誹謗中傷のため');

  const restore = await adminPost(
    staff,
    `/admin/reports/diary/${diaryId}/restore`,
    { reason: '確認の結果問題なし' },
    `/admin/reports/diary/${diaryId}`,
  );
  assert.equal(restore.status, 303);
  for (const path of diarySurfaces(author.id, diaryId)) {
    const text = await page(friendAgent, path);
    assert.match(text, /問題のある日記タイトル/, path);
    assert.doesNotMatch(text, new RegExp(NOTICE), path);
  }
  assert.equal((await fetchPhoto(friendAgent, `/photos/${photoId}/sq76`)).status, 200);
  assert.equal((await auditRows(app.db, { action: 'diary.restore', target_id: diaryId })).length, 1);
});

test('hiding › a hidden diary comment shows the notice in its place; the diary and other comments stay', async () => {
  const author = await createMember(app.db);
  const commenter = await createMember(app.db, { nickname: 'コメントの人' });
  const authorAgent = await loggedInAgent(app, author);
  const commenterAgent = await loggedInAgent(app, commenter);
  const res = await postDiary(authorAgent, {
    title: 'ふつうの日記',
    body: 'ふつう',
    visibility: 'members',
    comments_enabled: 'yes',
  });
  const diaryId = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  for (const body of ['ひどいコメント', 'よいコメント']) {
    assert.equal(
      (
        await commenterAgent.post(
          `/diaries/${diaryId}/comments`,
          { body, submission_key: crypto.randomUUID() },
          { tokenFrom: `/diaries/${diaryId}` },
        )
      ).status,
      303,
    );
  }
  const bad = await app.db('diary_comments').where({ diary_id: diaryId, number: 1 }).first();
  const page1 = (await authorAgent.get(`/diaries/${diaryId}`)).text;
  assert.match(
    page1,
    new RegExp(`/reports/new\\?type=diary_comment&amp;id=${bad.id}`),
    'each comment has its report link',
  );
  const { agent: staff } = await staffAgent(app);
  await createReport(app.db, {
    reporterId: author.id,
    type: 'diary_comment',
    targetId: bad.id,
    reportedMemberId: commenter.id,
  });
  assert.equal((await adminPost(staff, `/admin/reports/diary_comment/${bad.id}/hide`, { reason: '暴言' })).status, 303);
  for (const agent of [authorAgent, commenterAgent]) {
    const html = (await agent.get(`/diaries/${diaryId}`)).text;
    assert.doesNotMatch(html, /ひどいコメント/);
    assert.match(textOf(html), new RegExp(`${NOTICE}.*理由：暴言`));
    assert.match(html, /よいコメント/);
    assert.match(html, /ふつうの日記/);
  }
  assert.equal((await adminPost(staff, `/admin/reports/diary_comment/${bad.id}/restore`, {})).status, 303);
  assert.match((await authorAgent.get(`/diaries/${diaryId}`)).text, /ひどいコメント/);
});

test('hiding › a hidden message shows the notice in both folders and on its page', async () => {
  const sender = await createMember(app.db, { nickname: '送った人' });
  const recipient = await createMember(app.db, { nickname: '受けた人' });
  const messageId = await createMessage(app.db, sender.id, recipient.id, { subject: '迷惑な件名', body: '迷惑な本文' });
  const recipientAgent = await loggedInAgent(app, recipient);
  const senderAgent = await loggedInAgent(app, sender);
  assert.match(
    (await recipientAgent.get(`/messages/${messageId}`)).text,
    new RegExp(`/reports/new\\?type=message&amp;id=${messageId}`),
  );
  assert.doesNotMatch(
    (await senderAgent.get(`/messages/${messageId}`)).text,
    /type=message/,
    'a sent message has no report link',
  );
  const { agent: staff } = await staffAgent(app);
  // Staff open a private message only once someone reported it.
  assert.equal((await staff.get(`/admin/reports/message/${messageId}`)).status, 404);
  await createReport(app.db, {
    reporterId: recipient.id,
    type: 'message',
    targetId: messageId,
    reportedMemberId: sender.id,
  });
  assert.match(textOf((await staff.get(`/admin/reports/message/${messageId}`)).text), /迷惑な本文/);
  assert.equal((await adminPost(staff, `/admin/reports/message/${messageId}/hide`, { reason: 'スパム' })).status, 303);
  for (const [agent, path] of [
    [recipientAgent, '/messages'],
    [senderAgent, '/messages/sent'],
    [recipientAgent, `/messages/${messageId}`],
    [senderAgent, `/messages/${messageId}`],
  ] as const) {
    const html = (await agent.get(path)).text;
    assert.doesNotMatch(html, /迷惑な/, path);
    assert.match(textOf(html), new RegExp(NOTICE), path);
  }
  assert.match(textOf((await recipientAgent.get(`/messages/${messageId}`)).text), /理由：スパム/);
  assert.equal((await adminPost(staff, `/admin/reports/message/${messageId}/restore`, {})).status, 303);
  assert.match((await recipientAgent.get('/messages')).text, /迷惑な件名/);
});

test('hiding › when writing the audit row fails, the member sees an error and the content stays as it was', async () => {
  const author = await createMember(app.db);
  const authorAgent = await loggedInAgent(app, author);
  const res = await postDiary(authorAgent, { title: '残る日記', body: '本文' });
  const diaryId = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const { agent: staff } = await staffAgent(app);
  await staff.get(`/admin/reports/diary/${diaryId}`);
  const restore = await failAuditWrites(app.db);
  try {
    const failed = await staff.post(`/admin/reports/diary/${diaryId}/hide`, { reason: '規約違反' });
    assert.equal(failed.status, 500);
    assert.doesNotMatch(failed.text, /injected|audit_log|at .*\.ts/);
  } finally {
    await restore();
  }
  assert.equal((await app.db('diaries').where({ id: diaryId }).first()).hidden_at, null);
  assert.equal((await auditRows(app.db, { target_id: diaryId, target_type: 'diary' })).length, 0);
  assert.match((await authorAgent.get(`/diaries/${diaryId}`)).text, /残る日記/);
});
