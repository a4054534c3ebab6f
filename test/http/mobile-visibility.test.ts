import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { startPhotoApp } from '../support/photos.js';
import {
  FRIEND_VIEWERS,
  LEVELS,
  MAY_SEE,
  VIEWERS,
  postDiaryPerLevel,
  visibilityWorld,
  type Viewer,
} from '../support/visibility.js';
import { DOCOMO_UA, Handset, loggedInHandset } from '../support/mobile.js';

// SECURITY 25–27 on the mobile site: the viewer × visibility matrix of diary-visibility.test.ts,
// walked over every mobile surface that shows a diary or its photos. Forbidden is the same 404 as
// missing (pages, photos) or simply absent (lists), exactly as on the PC site.

let app: TestApp;
let closeApp: () => Promise<void>;
let ownerId: number;
const diaries: Awaited<ReturnType<typeof postDiaryPerLevel>> = [];
const handsets = new Map<Viewer, Handset>();

before(async () => {
  ({ app, close: closeApp } = await startPhotoApp());
  const world = await visibilityWorld(app.db);
  ownerId = world.owner.id;
  diaries.push(
    ...(await postDiaryPerLevel(await loggedInAgent(app, world.owner), app.db, 'モバイル日記', {
      comments_enabled: 'yes',
    })),
  );
  handsets.set('logged out', new Handset(app.baseUrl, DOCOMO_UA));
  for (const [who, m] of world.viewers) handsets.set(who, await loggedInHandset(app, m, DOCOMO_UA));
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
    test(`mobile visibility › ${level} diary, ${viewer}: ${allowed ? 'seen' : 'not seen'} on the page, its comments, lists, profile, home and photos`, async () => {
      const d = diaries.find((x) => x.level === level)!;
      const h = handsets.get(viewer)!;
      // Lists cut long titles to a line (「…」), so a list shows the diary by its link.
      const shows = (res: { status: number; text: string }) =>
        res.status === 200 && res.text.includes(`href="/m/diaries/${d.id}"`);
      const page = await h.get(`/m/diaries/${d.id}`);
      assert.equal(page.status === 200, allowed, `page status ${page.status}`);
      if (!allowed && viewer !== 'logged out' && viewer !== 'suspended') assert.equal(page.status, 404);
      if (viewer === 'logged out' || viewer === 'suspended') assert.match(page.location ?? '', /^\/m\/login\?next=/);
      assert.equal((await h.get(`/m/diaries/${d.id}/comments`)).status === 200, allowed, 'comments page');
      assert.equal((await h.get(`/m/diaries/${d.id}?part=2`)).status === 200, allowed, 'a later part');
      assert.equal((await h.get(`/m/photos/${d.photoId}`)).status === 200, allowed, 'the photo page');
      for (const variant of ['m120', 'm240'])
        assert.equal((await h.get(`/photos/${d.photoId}/${variant}`)).status === 200, allowed, `photo ${variant}`);
      if (allowed) assert.match(page.text, new RegExp(`<img src="/photos/${d.photoId}/m120"`));
      assert.equal(shows(await h.get(`/m/members/${ownerId}/diaries`)), allowed, 'author list');
      assert.equal(shows(await h.get(`/m/members/${ownerId}`)), allowed, 'profile section');
      assert.equal(
        shows(await h.get('/m/diaries/friends')),
        FRIEND_VIEWERS.includes(viewer) && allowed,
        "friends' latest",
      );
      assert.equal(shows(await h.get('/m/home')), FRIEND_VIEWERS.includes(viewer) && allowed, 'home');
    });
  }
}

test('mobile visibility › a missing diary and a forbidden one answer the same 404 page', async () => {
  const stranger = handsets.get('stranger')!;
  const forbidden = await stranger.get(`/m/diaries/${diaries.find((d) => d.level === 'only_me')!.id}`);
  const missing = await stranger.get('/m/diaries/99999999');
  assert.equal(forbidden.status, 404);
  const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/back=[^"]*/g, '');
  assert.equal(strip(forbidden.text), strip(missing.text));
});

test('mobile visibility › commenting from a phone follows the same rule: a diary the viewer may not see takes no comment', async () => {
  const d = diaries.find((x) => x.level === 'friends')!;
  const stranger = handsets.get('stranger')!;
  await stranger.get('/m/home');
  const res = await stranger.post(`/m/diaries/${d.id}/comments`, {
    body: '見えないはず',
    submission_key: crypto.randomUUID(),
  });
  assert.equal(res.status, 404);
  const friend = handsets.get('friend')!;
  await friend.get(`/m/diaries/${d.id}`);
  const ok = await friend.post(`/m/diaries/${d.id}/comments`, {
    body: 'ケータイからコメント',
    submission_key: crypto.randomUUID(),
  });
  assert.equal(ok.status, 303);
  assert.match((await friend.follow(ok)).text, /ケータイからコメント/);
});
