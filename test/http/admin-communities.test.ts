import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf, type Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { adminPost, auditRows, createReport, staffAgent } from '../support/moderation.js';

// Communities under moderation: a suspended community shows the notice and closes its board; hidden
// topics and comments show the notice in their place; managers see reports about their board and
// delete the posts; staff reassign an abandoned community's owner and delete communities.

const NOTICE = 'このコンテンツは運営により非表示になりました';

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

async function addComment(communityId: number, topicId: number, authorId: number, body: string): Promise<number> {
  const topic = await app
    .db('community_topics')
    .select('last_comment_number')
    .where({ id: topicId, community_id: communityId })
    .first();
  const number = Number(topic.last_comment_number) + 1;
  const [row] = await app
    .db('community_comments')
    .insert({ topic_id: topicId, number, author_id: authorId, body, submission_key: crypto.randomUUID() })
    .returning('id');
  await app
    .db('community_topics')
    .where({ id: topicId })
    .update({ last_comment_number: number, comment_count: app.db.raw('comment_count + 1') });
  return Number(row.id);
}

async function html(agent: Agent, path: string, status = 200): Promise<string> {
  const res = await agent.get(path);
  assert.equal(res.status, status, path);
  return res.text;
}

async function world() {
  const owner = await createMember(app.db, { nickname: '管理人さん' });
  const member = await createMember(app.db, { nickname: '参加者さん' });
  const community = await createCommunity(app.db, owner.id, {
    name: '問題コミュニティ名',
    description: '問題の説明文',
  });
  await addMember(app.db, community, member.id);
  const topic = await createTopic(app.db, community, owner.id, { title: '問題トピック', body: 'トピック本文' });
  const comment = await addComment(community, topic, member.id, '問題コメント');
  return {
    owner,
    member,
    community,
    topic,
    comment,
    ownerAgent: await loggedInAgent(app, owner),
    memberAgent: await loggedInAgent(app, member),
  };
}

test('communities › a suspended community shows the notice and the reason; its board is closed, lists show the notice, nobody joins; restore reopens it', async () => {
  const w = await world();
  const outsider = await loggedInAgent(app, await createMember(app.db));
  assert.match(
    await html(outsider, `/communities/${w.community}`),
    new RegExp(`/reports/new\\?type=community&amp;id=${w.community}`),
  );
  const { agent: staff } = await staffAgent(app, 'moderator');
  assert.equal(
    (await adminPost(staff, `/admin/communities/${w.community}/suspend`, { reason: '規約違反のコミュニティ' })).status,
    303,
  );

  const page = await html(outsider, `/communities/${w.community}`);
  assert.doesNotMatch(page, /問題コミュニティ名|問題の説明文|問題トピック/);
  assert.match(textOf(page), new RegExp(`${NOTICE}.*理由：規約違反のコミュニティ`));
  for (const path of [
    `/communities/${w.community}/topics`,
    `/communities/${w.community}/topics/${w.topic}`,
    `/communities/${w.community}/events`,
  ]) {
    await html(w.memberAgent, path, 404);
  }
  await html(w.ownerAgent, `/communities/${w.community}/manage`, 404);
  const mine = await html(w.memberAgent, '/communities');
  assert.doesNotMatch(mine, /問題コミュニティ名/);
  assert.match(textOf(mine), new RegExp(NOTICE));
  const search = await html(outsider, `/communities/search?q=${encodeURIComponent('問題コミュニティ')}`);
  assert.doesNotMatch(search, /問題コミュニティ名/);
  const join = await outsider.post(
    `/communities/${w.community}/join`,
    {},
    { tokenFrom: `/communities/${w.community}` },
  );
  assert.equal(join.status, 404);
  assert.equal((await app.db('community_members').where({ community_id: w.community })).length, 2);
  const [row] = await auditRows(app.db, { action: 'community.hide', target_id: w.community });
  assert.equal(row.subject_member_id, w.owner.id);

  assert.equal(
    (await adminPost(staff, `/admin/communities/${w.community}/restore`, { reason: '改善を確認' })).status,
    303,
  );
  assert.match(await html(outsider, `/communities/${w.community}`), /問題コミュニティ名/);
  assert.match(await html(w.memberAgent, `/communities/${w.community}/topics/${w.topic}`), /問題トピック/);
});

test('communities › a hidden topic and a hidden topic comment show the notice in their place; the board keeps its place for them', async () => {
  const w = await world();
  const reader = await loggedInAgent(app, await createMember(app.db));
  const topicPage = await html(reader, `/communities/${w.community}/topics/${w.topic}`);
  assert.match(topicPage, new RegExp(`type=topic&amp;id=${w.topic}`));
  assert.match(topicPage, new RegExp(`type=topic_comment&amp;id=${w.comment}`));
  const { agent: staff } = await staffAgent(app);
  await createReport(app.db, {
    reporterId: w.owner.id,
    type: 'topic_comment',
    targetId: w.comment,
    reportedMemberId: w.member.id,
    communityId: w.community,
  });
  assert.equal(
    (await adminPost(staff, `/admin/reports/topic_comment/${w.comment}/hide`, { reason: '暴言のため' })).status,
    303,
  );
  const withHiddenComment = await html(reader, `/communities/${w.community}/topics/${w.topic}`);
  assert.doesNotMatch(withHiddenComment, /問題コメント/);
  assert.match(textOf(withHiddenComment), new RegExp(`問題トピック.*${NOTICE}.*理由：暴言のため`));

  assert.equal((await adminPost(staff, `/admin/reports/topic/${w.topic}/hide`, { reason: 'スパム' })).status, 303);
  for (const [agent, path] of [
    [reader, `/communities/${w.community}/topics/${w.topic}`],
    [reader, `/communities/${w.community}/topics`],
    [reader, `/communities/${w.community}`],
    [w.memberAgent, '/home'],
  ] as const) {
    const page = await html(agent, path);
    assert.doesNotMatch(page, /問題トピック|トピック本文/, path);
    assert.match(textOf(page), new RegExp(NOTICE), path);
  }
  assert.match(textOf(await html(reader, `/communities/${w.community}/topics/${w.topic}`)), /理由：スパム/);
  assert.equal((await adminPost(staff, `/admin/reports/topic/${w.topic}/restore`, {})).status, 303);
  assert.match(await html(reader, `/communities/${w.community}/topics`), /問題トピック/);
});

test('communities › managers see reports about posts on their board, without the reporters, and delete the posts; members do not see the page', async () => {
  const w = await world();
  const reporter = await createMember(app.db, { nickname: '通報した人' });
  await addMember(app.db, w.community, reporter.id);
  const reporterAgent = await loggedInAgent(app, reporter);
  await reporterAgent.get(`/reports/new?type=topic_comment&id=${w.comment}`);
  assert.equal(
    (
      await reporterAgent.post('/reports', {
        type: 'topic_comment',
        id: String(w.comment),
        category: 'harassment',
        body: 'ひどい',
      })
    ).status,
    303,
  );
  const [report] = await app.db('reports').where({ target_type: 'topic_comment', target_id: w.comment });
  assert.equal(report.community_id, w.community);
  assert.equal(report.reported_member_id, w.member.id);

  await html(w.memberAgent, `/communities/${w.community}/manage/reports`, 404);
  const list = await html(w.ownerAgent, `/communities/${w.community}/manage/reports`);
  assert.match(textOf(list), /問題コメント/);
  assert.match(textOf(list), /誹謗中傷・嫌がらせ/);
  assert.doesNotMatch(list, /通報した人/);
  const del = await w.ownerAgent.post(
    `/communities/${w.community}/manage/reports/topic_comment/${w.comment}/delete`,
    {},
  );
  assert.equal(del.status, 303);
  const c = await app.db('community_comments').where({ id: w.comment }).first();
  assert.ok(c.deleted_at);
  assert.equal(c.deleted_by, w.owner.id);
  assert.doesNotMatch(await html(w.ownerAgent, `/communities/${w.community}/manage/reports`), /問題コメント/);
  // Staff still see the report, with what was reported.
  const { agent: staff } = await staffAgent(app, 'moderator');
  assert.match(textOf(await html(staff, '/admin/reports')), /投稿者が削除済み/);
  // A post of another community cannot be deleted through this page.
  const other = await createCommunity(app.db, w.member.id);
  const otherTopic = await createTopic(app.db, other, w.member.id);
  assert.equal(
    (await w.ownerAgent.post(`/communities/${w.community}/manage/reports/topic/${otherTopic}/delete`, {})).status,
    404,
  );
  assert.ok(await app.db('community_topics').where({ id: otherTopic }).first());
});

test('communities › an admin hands an abandoned community to one of its members, and deletes a community with everything on it', async () => {
  const w = await world();
  const { agent: admin } = await staffAgent(app, 'admin');
  const outsider = await createMember(app.db);
  const refused = await adminPost(admin, `/admin/communities/${w.community}/owner`, {
    member_id: String(outsider.id),
    reason: '放置',
  });
  assert.equal(refused.status, 422);
  assert.match(textOf(refused.text), /参加している利用中の会員/);
  assert.equal(
    (
      await adminPost(admin, `/admin/communities/${w.community}/owner`, {
        member_id: String(w.member.id),
        reason: '管理人が不在のため',
      })
    ).status,
    303,
  );
  const roles = await app
    .db('community_members')
    .select('member_id', 'role')
    .where({ community_id: w.community })
    .orderBy('member_id');
  assert.deepEqual(
    roles.map((r) => [r.member_id, r.role]),
    [
      [w.owner.id, 'member'],
      [w.member.id, 'owner'],
    ],
  );
  const [owner] = await auditRows(app.db, { action: 'community.owner', target_id: w.community });
  assert.deepEqual([owner.before, owner.after], [{ owner_id: w.owner.id }, { owner_id: w.member.id }]);

  const noConfirm = await adminPost(admin, `/admin/communities/${w.community}/delete`, { reason: '削除' });
  assert.equal(noConfirm.status, 422);
  assert.equal(
    (await adminPost(admin, `/admin/communities/${w.community}/delete`, { reason: '違法な内容', confirm: 'yes' }))
      .status,
    303,
  );
  assert.equal(await app.db('communities').where({ id: w.community }).first(), undefined);
  assert.equal(await app.db('community_topics').where({ id: w.topic }).first(), undefined);
  await html(w.memberAgent, `/communities/${w.community}`, 404);
  const [deleted] = await auditRows(app.db, { action: 'community.delete', target_id: w.community });
  assert.equal(deleted.before.name, '問題コミュニティ名');
});
