import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { japaneseText } from '../support/mobile-seed.js';
import { DOCOMO_UA, SMARTPHONE_UA, loggedInHandset, type Handset, type HandsetRes } from '../support/mobile.js';
import { addComment as addDiaryComment } from '../../src/features/diaries/service.js';
import { addComment as addTopicComment } from '../../src/features/communities/board/board-service.js';
import { splitText } from '../../src/lib/text-parts.js';
import { MOBILE_BUDGET } from '../../src/http/mobile-budget.js';

// Moving through mobile pages: 「前へ」 on every list page after the first, comment pages that go
// back exactly one page, and a comment too long for one page read in parts (SPEC §9, MOBILE.md).

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

const link = (page: HandsetRes, label: RegExp) => {
  const m = new RegExp(`<a href="([^"]+)">${label.source}</a>`).exec(page.text);
  return m ? m[1].replace(/&amp;/g, '&') : null;
};
const PREV = /&lt;前へ/;
const NEXT = /次へ&gt;/;
const MORE = /続き&gt;/;

/** Walks a list forward with 「次へ」, then checks that 「前へ」 on every later page shows exactly the page before. */
async function assertPrevLinks(h: Handset, firstPath: string, itemsOf: (page: HandsetRes) => string[]) {
  const pages: { path: string; items: string[] }[] = [];
  let path: string | null = firstPath;
  while (path && pages.length < 20) {
    const page = await h.get(path);
    assert.equal(page.status, 200, path);
    pages.push({ path, items: itemsOf(page) });
    if (pages.length === 1) assert.equal(link(page, PREV), null, `${firstPath}: no 「前へ」 on the first page`);
    else {
      const prev = link(page, PREV);
      assert.ok(prev, `${path}: 「前へ」 on page ${pages.length}`);
      assert.deepEqual(
        itemsOf(await h.get(prev!)),
        pages[pages.length - 2].items,
        `${path}: 「前へ」 shows page ${pages.length - 1}`,
      );
    }
    path = link(page, NEXT);
  }
  return pages;
}

test('mobile lists › page 2 and every later page have 「前へ」 back to exactly the page before; the first page has none', async () => {
  const me = await createMember(app.db);
  for (let i = 0; i < 25; i++)
    await makeFriends(app.db, me.id, (await createMember(app.db, { nickname: `ともだち${i}号` })).id);
  for (let i = 0; i < 12; i++)
    await addMember(
      app.db,
      await createCommunity(app.db, (await createMember(app.db)).id, { name: `前へテスト${i}会` }),
      me.id,
    );
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, me, ua);
    const friends = await assertPrevLinks(h, '/m/friends', (p) =>
      [...p.text.matchAll(/ともだち\d+号/g)].map((m) => m[0]),
    );
    assert.deepEqual(
      friends.map((p) => p.items.length),
      [10, 10, 5],
    );
    const communities = await assertPrevLinks(h, '/m/communities', (p) =>
      [...p.text.matchAll(/前へテスト\d+会/g)].map((m) => m[0]),
    );
    assert.deepEqual(
      communities.map((p) => p.items.length),
      [10, 2],
    );
  }
});

const numbersOf = (page: HandsetRes) => [...page.text.matchAll(/<div id="c(\d+)">/g)].map((m) => Number(m[1]));

/** Comments 1–12 of about 900 characters: two fit in a page's 2,000-character budget. */
async function assertCommentPages(h: Handset, path: string) {
  const forward: number[][] = [];
  let at: string | null = `${path}?after=0`;
  let lastPage: HandsetRes | null = null;
  while (at && forward.length < 10) {
    lastPage = await h.get(at);
    forward.push(numbersOf(lastPage));
    at = link(lastPage, NEXT);
  }
  assert.deepEqual(forward, [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
  let back: string | null = link(lastPage!, PREV);
  const backward: number[][] = [];
  while (back && backward.length < 10) {
    const page = await h.get(back);
    backward.push(numbersOf(page));
    back = link(page, PREV);
  }
  assert.deepEqual(
    backward,
    [
      [9, 10],
      [7, 8],
      [5, 6],
      [3, 4],
      [1, 2],
    ],
    '「前へ」 goes back one page at a time, never straight to comment 1',
  );
  assert.deepEqual(numbersOf(await h.get(path)), [11, 12], 'by default the latest comments');
}

test("mobile comments › 「前へ」 on a diary's and a topic's comments shows the page just before, not comment 1", async () => {
  const me = await createMember(app.db);
  const friends: Awaited<ReturnType<typeof createMember>>[] = [];
  for (let i = 0; i < 3; i++) friends.push(await createMember(app.db));
  for (const f of friends) await makeFriends(app.db, me.id, f.id);
  const { id: diary } = await createDiary(app.db, me.id, { comments_enabled: true, visibility: 'friends' });
  const community = await createCommunity(app.db, me.id);
  for (const f of friends) await addMember(app.db, community, f.id);
  const topic = await createTopic(app.db, community, me.id);
  const at = app.clock.now();
  for (let i = 0; i < 12; i++) {
    const form = () => ({ body: `${i + 1}件目。${japaneseText(900, i)}`, submission_key: crypto.randomUUID() });
    const author = friends[i % 3].id;
    assert.equal((await addDiaryComment(app.db, { diaryId: diary, authorId: author, form: form(), at })).ok, true);
    assert.equal(
      (
        await addTopicComment(app.ctx, {
          communityId: community,
          topicId: topic,
          authorId: author,
          form: form(),
          files: [],
          at,
        })
      ).ok,
      true,
    );
  }
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, me, ua);
    await assertCommentPages(h, `/m/diaries/${diary}/comments`);
    await assertCommentPages(h, `/m/communities/${community}/topics/${topic}/comments`);
  }
});

test('mobile comments › a 5,000-character topic comment is read in parts within the page budget, like a diary', async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db);
  const community = await createCommunity(app.db, me.id);
  await addMember(app.db, community, friend.id);
  const topic = await createTopic(app.db, community, me.id);
  const long = japaneseText(5000, 3);
  const at = app.clock.now();
  for (const body of ['はじめまして。', long, 'よろしくお願いします。']) {
    assert.equal(
      (
        await addTopicComment(app.ctx, {
          communityId: community,
          topicId: topic,
          authorId: friend.id,
          form: { body, submission_key: crypto.randomUUID() },
          files: [],
          at,
        })
      ).ok,
      true,
    );
  }
  const parts = splitText(long, MOBILE_BUDGET.textPart).length;
  assert.ok(parts >= 4);
  const lines = long.split('\n');
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, me, ua);
    const base = `/m/communities/${community}/topics/${topic}/comments`;
    let path: string | null = `${base}?after=1`;
    const pages: HandsetRes[] = [];
    while (path && pages.length <= parts) {
      const page = await h.get(path);
      assert.equal(page.status, 200, path);
      assert.ok(page.bytes.length <= 10 * 1024, `${ua} ${path}: ${page.bytes.length} bytes`);
      assert.deepEqual(numbersOf(page), [2], path);
      pages.push(page);
      path = link(page, MORE);
    }
    assert.equal(pages.length, parts);
    pages.forEach((p, i) => assert.match(p.text, new RegExp(`\\(${i + 1}/${parts}\\)`)));
    assert.ok(pages[0].text.includes(lines[0].slice(0, 30)), 'the first part starts the comment');
    assert.ok(pages[parts - 1].text.includes(lines[lines.length - 1].slice(-30)), 'the last part ends it');
    assert.match(pages[1].text, /<a href="[^"]*after=1&amp;part=1">&lt;前へ<\/a>/, 'part 2 leads back to part 1');
    // Around it, the neighbouring comments.
    assert.deepEqual(numbersOf(await h.get(link(pages[parts - 1], NEXT)!)), [3]);
    assert.deepEqual(numbersOf(await h.get(`${base}?before=2`)), [1]);
    // Shown by default (the latest page ends with a short comment after it): never over the budget either.
    const latest = await h.get(base);
    assert.ok(latest.bytes.length <= 10 * 1024, `${ua} latest: ${latest.bytes.length} bytes`);
  }
});

test("mobile communities › the report link is not offered to the community's own owner, whose report form would be a 404", async () => {
  const owner = await createMember(app.db);
  const member = await createMember(app.db);
  const community = await createCommunity(app.db, owner.id);
  await addMember(app.db, community, member.id);
  const reportLink = `/m/reports/new?type=community&amp;id=${community}`;
  const mine = await (await loggedInHandset(app, owner)).get(`/m/communities/${community}`);
  assert.equal(mine.status, 200);
  assert.ok(!mine.text.includes(reportLink), 'no report link for the owner');
  const h = await loggedInHandset(app, member);
  const theirs = await h.get(`/m/communities/${community}`);
  assert.ok(theirs.text.includes(reportLink), 'a member may report it');
  assert.equal((await h.get(reportLink.replace('&amp;', '&'))).status, 200);
});
