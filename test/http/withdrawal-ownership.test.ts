import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { addMember, counts, createCommunity, MANY_LOGINS, membership } from '../support/communities.js';
import { auditRows, staffAgent } from '../support/moderation.js';

// SECURITY 56: a community whose owner (管理人) withdraws passes to its longest-standing
// sub-manager, else its longest-standing active member; with nobody left the operators find it in
// the back office as 「管理人不在」. Each is an audit-log row written by the system.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

type Member = Awaited<ReturnType<typeof createMember>>;

async function withdraw(m: Member) {
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    '/settings/withdraw',
    { current_password: m.password, confirm: 'yes' },
    { tokenFrom: '/settings/withdraw' },
  );
  assert.equal(res.status, 303);
}

/** Joins `m` to the community as if on `day` (joined_at orders who has been there longest). */
async function joinedOn(communityId: number, m: Member, day: string, role: 'member' | 'sub_manager' = 'member') {
  await addMember(app.db, communityId, m.id, role);
  await app
    .db('community_members')
    .where({ community_id: communityId, member_id: m.id })
    .update({ joined_at: new Date(`${day}T00:00:00Z`) });
}

test('POST /settings/withdraw › an owned community passes to its longest-standing sub-manager', async () => {
  const owner = await createMember(app.db, { nickname: '初代' });
  const communityId = await createCommunity(app.db, owner.id, { name: '引き継ぎの会' });
  const [veteran, senior, junior] = [
    await createMember(app.db),
    await createMember(app.db, { nickname: '古参副管理人' }),
    await createMember(app.db),
  ];
  await joinedOn(communityId, veteran, '2020-01-01');
  await joinedOn(communityId, senior, '2021-01-01', 'sub_manager');
  await joinedOn(communityId, junior, '2022-01-01', 'sub_manager');
  await app
    .db('community_role_offers')
    .insert({ community_id: communityId, member_id: veteran.id, role: 'sub_manager', offered_by: owner.id });

  await withdraw(owner);
  assert.equal(await membership(app.db, communityId, senior.id), 'owner');
  assert.equal(await membership(app.db, communityId, junior.id), 'sub_manager');
  assert.equal(await membership(app.db, communityId, owner.id), null);
  assert.deepEqual(await counts(app.db, communityId), { member_count: 3, sub_manager_count: 1 });
  assert.equal(
    (await app.db('community_role_offers').select('status').where({ community_id: communityId }).first()).status,
    'cancelled',
    'the old owner’s offers end with them',
  );
  const page = textOf((await (await loggedInAgent(app, veteran)).get(`/communities/${communityId}`)).text);
  assert.match(page, /古参副管理人 （管理人）/);
  assert.doesNotMatch(page, /初代/);
  const [audit] = await auditRows(app.db, { action: 'community.owner_succession', target_id: communityId });
  assert.equal(audit.staff_id, null);
  assert.equal(Number(audit.subject_member_id), senior.id);
  assert.deepEqual(audit.after, { owner_id: senior.id, previous_role: 'sub_manager' });
  // The new owner manages it at once.
  assert.equal(
    (await (await loggedInAgent(app, senior)).get(`/communities/${communityId}/manage/members`)).status,
    200,
  );
});

test('POST /settings/withdraw › without sub-managers the longest-standing active member becomes the owner', async () => {
  const owner = await createMember(app.db);
  const communityId = await createCommunity(app.db, owner.id);
  const [resting, oldest, newer] = [
    await createMember(app.db, { status: 'suspended' }),
    await createMember(app.db, { nickname: '最古参' }),
    await createMember(app.db),
  ];
  await joinedOn(communityId, resting, '2019-01-01');
  await joinedOn(communityId, oldest, '2020-01-01');
  await joinedOn(communityId, newer, '2021-01-01');

  await withdraw(owner);
  assert.equal(await membership(app.db, communityId, oldest.id), 'owner');
  assert.equal(await membership(app.db, communityId, resting.id), 'member', 'a suspended member is passed over');
  assert.deepEqual(await counts(app.db, communityId), { member_count: 3, sub_manager_count: 0 });
  assert.match(
    textOf((await (await loggedInAgent(app, newer)).get(`/communities/${communityId}`)).text),
    /最古参 （管理人）/,
  );
  const [audit] = await auditRows(app.db, { action: 'community.owner_succession', target_id: communityId });
  assert.deepEqual(audit.after, { owner_id: oldest.id, previous_role: 'member' });
});

test('POST /settings/withdraw › with nobody left the community is flagged 「管理人不在」 in the back office', async () => {
  const owner = await createMember(app.db, { nickname: 'ひとりきり' });
  const communityId = await createCommunity(app.db, owner.id, { name: '誰もいない会' });
  const other = await createCommunity(app.db, (await createMember(app.db)).id, { name: '賑やかな会' });
  const { agent: staff } = await staffAgent(app, 'moderator');
  assert.doesNotMatch(textOf((await staff.get('/admin/communities')).text), /誰もいない会/);

  await withdraw(owner);
  assert.deepEqual(await counts(app.db, communityId), { member_count: 0, sub_manager_count: 0 });
  assert.equal(await app.db('community_members').where({ community_id: communityId }).first(), undefined);
  const list = textOf((await staff.get('/admin/communities')).text);
  assert.match(list, /管理人不在のコミュニティ/);
  assert.match(list, new RegExp(`${communityId} 誰もいない会 .* 0 管理人不在`));
  assert.doesNotMatch(list, /賑やかな会/);
  assert.match(textOf((await staff.get('/admin/communities?q=誰もいない')).text), /誰もいない会 .* 管理人不在/);
  assert.match(textOf((await staff.get(`/admin/communities/${communityId}`)).text), /管理人 管理人不在/);
  assert.match(textOf((await staff.get('/admin/')).text), /管理人不在のコミュニティ [1-9]/);
  const [audit] = await auditRows(app.db, { action: 'community.owner_lost', target_id: communityId });
  assert.equal(audit.staff_id, null);
  assert.equal(Number(audit.subject_member_id), owner.id);
  assert.match(
    textOf((await staff.get(`/admin/communities/${communityId}`)).text),
    /管理人の退会（引き継ぐ参加者なし・管理人不在）/,
  );
  assert.ok(other);
});
