import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, createTopic, requestToJoin } from '../support/communities.js';
import {
  communityPendingCounts,
  latestCommunityActivity,
  myCommunities,
} from '../../src/features/communities/home-sections.js';

// The home page's community sections (SPEC §7 items 1, 5, 6), as src/features/home composes them.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

test('home sections › join requests to answer and role offers waiting count for the right member', async () => {
  const owner = await createMember(t.db);
  const sub = await createMember(t.db);
  const plain = await createMember(t.db);
  const id = await createCommunity(t.db, owner.id, { join_policy: 'approval' });
  await addMember(t.db, id, sub.id, 'sub_manager');
  await addMember(t.db, id, plain.id);
  await requestToJoin(t.db, id, (await createMember(t.db)).id);
  await requestToJoin(t.db, id, (await createMember(t.db)).id);
  await t
    .db('community_role_offers')
    .insert({ community_id: id, member_id: plain.id, role: 'sub_manager', offered_by: owner.id });
  assert.deepEqual(await communityPendingCounts(t.db, owner.id), { joinRequests: 2, roleOffers: 0 });
  assert.deepEqual(await communityPendingCounts(t.db, sub.id), { joinRequests: 2, roleOffers: 0 });
  assert.deepEqual(await communityPendingCounts(t.db, plain.id), { joinRequests: 0, roleOffers: 1 });
});

test('home sections › my communities (latest joined first, with the total) and their latest topics by activity', async () => {
  const me = await createMember(t.db);
  const other = await createMember(t.db);
  const blocker = await createMember(t.db);
  const a = await createCommunity(t.db, other.id, { name: 'A会' });
  const b = await createCommunity(t.db, other.id, { name: 'B会' });
  const elsewhere = await createCommunity(t.db, other.id, { name: '入っていない会' });
  await addMember(t.db, a, me.id);
  await addMember(t.db, b, me.id);
  await addMember(t.db, a, blocker.id);
  const mine = await myCommunities(t.db, me.id, 9);
  assert.equal(mine.total, 2);
  assert.deepEqual(mine.items.map((c) => c.name).sort(), ['A会', 'B会']);

  const old = await createTopic(t.db, a, other.id, { title: '古い話題' });
  await createTopic(t.db, b, other.id, { title: '新しい話題' });
  await createTopic(t.db, elsewhere, other.id, { title: '関係ない話題' });
  await createTopic(t.db, a, blocker.id, { title: 'ブロックした人の話題' });
  await t.db('blocks').insert({ blocker_id: blocker.id, blocked_id: me.id });
  await t
    .db('community_topics')
    .where({ id: old })
    .update({ last_activity_at: new Date(Date.now() - 3_600_000) });
  const latest = await latestCommunityActivity(t.db, me.id, 5);
  assert.deepEqual(
    latest.map((x) => x.title),
    ['新しい話題', '古い話題'],
  );
  assert.equal(latest[1].community_name, 'A会');
});
