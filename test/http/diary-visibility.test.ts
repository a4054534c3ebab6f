import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { startPhotoApp } from '../support/photos.js';
import { jpeg } from '../support/images.js';
import {
  FRIEND_VIEWERS,
  LEVELS,
  MAY_SEE,
  VIEWERS,
  postDiaryPerLevel,
  visibilityWorld,
  type Viewer,
} from '../support/visibility.js';

// SECURITY 25–27: viewer × diary visibility, on every surface that shows a diary or its photos.
// Forbidden is the same 404 as missing (pages, photos) or simply absent (lists).

let app: TestApp;
let closeApp: () => Promise<void>;
let ownerId: number;
const diaries: Awaited<ReturnType<typeof postDiaryPerLevel>> = [];
const agents = new Map<Viewer, Agent>();

before(async () => {
  ({ app, close: closeApp } = await startPhotoApp());
  const world = await visibilityWorld(app.db);
  ownerId = world.owner.id;
  const ownerAgent = await loggedInAgent(app, world.owner);
  diaries.push(...(await postDiaryPerLevel(ownerAgent, app.db)));
  agents.set('logged out', new Agent(app.baseUrl));
  for (const [who, m] of world.viewers) agents.set(who, who === 'owner' ? ownerAgent : await loggedInAgent(app, m));
  await app
    .db('members')
    .where({ id: world.viewers.find(([who]) => who === 'suspended')![1].id })
    .update({ status: 'suspended' });
});
after(async () => {
  await closeApp();
});

for (const level of LEVELS) {
  for (const viewer of VIEWERS) {
    const allowed = MAY_SEE[level].includes(viewer);
    test(`visibility › ${level} diary, ${viewer}: ${allowed ? 'seen' : 'not seen'} on the page, lists, profile and photos`, async () => {
      const d = diaries.find((x) => x.level === level)!;
      const agent = agents.get(viewer)!;
      const page = await agent.get(`/diaries/${d.id}`);
      assert.equal(page.status === 200, allowed, `page status ${page.status}`);
      if (!allowed && viewer !== 'logged out' && viewer !== 'suspended') assert.equal(page.status, 404);
      const photo = await agent.get(`/photos/${d.photoId}/sq180`);
      assert.equal(photo.status === 200, allowed, `photo status ${photo.status}`);
      const list = await agent.get(`/members/${ownerId}/diaries`);
      assert.equal(list.status === 200 && list.text.includes(d.title), allowed, 'author list');
      const profile = await agent.get(`/members/${ownerId}`);
      assert.equal(profile.status === 200 && profile.text.includes(d.title), allowed, 'profile section');
      const friends = await agent.get('/diaries/friends');
      assert.equal(
        friends.status === 200 && friends.text.includes(d.title),
        FRIEND_VIEWERS.includes(viewer) && allowed,
        "friends' latest",
      );
    });
  }
}

test('visibility › a missing diary and a forbidden one answer the same 404 page', async () => {
  const stranger = agents.get('stranger')!;
  const forbidden = await stranger.get(`/diaries/${diaries.find((d) => d.level === 'only_me')!.id}`);
  const missing = await stranger.get('/diaries/99999999');
  assert.equal(forbidden.status, 404);
  const strip = (html: string) =>
    html
      .replace(/value="[^"]*"/g, '')
      .replace(/back=[^"]*/g, '')
      .replace(/href="\/m\/[^"]*"/g, '');
  assert.equal(strip(forbidden.text), strip(missing.text));
});

test('visibility › unfriending hides friends-only diaries and their photos on the very next request', async () => {
  const owner = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, owner.id, friend.id);
  const o = await loggedInAgent(app, owner);
  const res = await postDiary(o, { title: 'ともだちだけ', body: 'x', visibility: 'friends' }, [await jpeg(100, 100)]);
  const id = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const photoId = (await app.db('diary_photos').select('photo_id').where({ diary_id: id }).first()).photo_id;
  const f = await loggedInAgent(app, friend);
  assert.equal((await f.get(`/diaries/${id}`)).status, 200);
  assert.equal((await f.get(`/photos/${photoId}/w600`)).status, 200);
  await o.post(`/members/${friend.id}/unfriend`, {}, { tokenFrom: `/members/${friend.id}/unfriend` });
  assert.equal((await f.get(`/diaries/${id}`)).status, 404);
  assert.equal((await f.get(`/photos/${photoId}/w600`)).status, 404);
  assert.equal(
    (
      await f.post(
        `/diaries/${id}/comments`,
        { body: 'まだ見える？', submission_key: crypto.randomUUID() },
        { tokenFrom: '/home' },
      )
    ).status,
    404,
  );
});

test('visibility › a draft, even one for all members, is the owner’s alone: no other viewer opens it or its photo, and no list shows it, not even to the owner', async () => {
  const owner = agents.get('owner')!;
  const [draft] = await postDiaryPerLevel(owner, app.db, '下書き', { action: 'draft' }).then((all) =>
    all.filter((d) => d.level === 'members'),
  );
  for (const viewer of VIEWERS) {
    const agent = agents.get(viewer)!;
    const isOwner = viewer === 'owner';
    assert.equal((await agent.get(`/diaries/${draft.id}`)).status === 200, isOwner, `${viewer}: page`);
    assert.equal((await agent.get(`/photos/${draft.photoId}/sq180`)).status === 200, isOwner, `${viewer}: photo`);
    for (const path of [`/members/${ownerId}/diaries`, `/members/${ownerId}`, '/diaries/friends', '/home']) {
      const res = await agent.get(path);
      assert.ok(!(res.status === 200 && res.text.includes(draft.title)), `${viewer}: ${path}`);
    }
  }
  assert.match((await owner.get('/diaries/drafts')).text, /下書き\[members\]/);
});
