import crypto from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from '../support/agent.js';
import { loggedInAgent } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { addMember, createCommunity } from '../support/communities.js';
import { jpeg } from '../support/images.js';
import { loggedInHandset, SMARTPHONE_UA } from '../support/mobile.js';
import { postForm, uploadPhoto } from '../support/multipart.js';
import { startPhotoApp } from '../support/photos.js';
import { htmlErrors, noJava } from '../support/html-checker.js';

// SECURITY 48: the Nu HTML checker finds no errors on the core pages, PC and mobile, filled with
// what members put there (photos, links, line breaks, comments, an introduction). Mobile pages are
// checked as smartphones get them, in UTF-8: carrier browsers get the same markup in Shift_JIS,
// which the checker reports as a legacy encoding by design.

const LINK_TEXT = '詳しくは https://example.jp/a?b=1&c=2 を見てね。\n二行目 <b>太字ではない</b>';

test('Nu HTML checker › the core PC and mobile pages have no errors', { skip: noJava, timeout: 150_000 }, async () => {
  const { app, close } = await startPhotoApp();
  try {
    const alice = await createMember(app.db, { nickname: 'アリス' });
    const bob = await createMember(app.db, { nickname: 'ボブ' });
    await makeFriends(app.db, alice.id, bob.id);
    const a = await loggedInAgent(app, alice);
    const b = await loggedInAgent(app, bob);

    assert.equal(
      (
        await a.post(
          '/profile/edit',
          {
            gender: '',
            gender_visibility: 'members',
            prefecture: '13',
            prefecture_visibility: 'members',
            age_visibility: 'members',
            birthday_visibility: 'friends',
            hobbies: '写真',
            hobbies_visibility: 'members',
            occupation: '会社員',
            occupation_visibility: 'members',
            self_introduction: LINK_TEXT,
            self_introduction_visibility: 'members',
            real_name: '',
            real_name_visibility: 'only_me',
          },
          { tokenFrom: '/profile/edit' },
        )
      ).status,
      303,
    );
    assert.equal((await uploadPhoto(a, await jpeg(300, 200))).status, 303);
    assert.equal(
      (
        await b.post(
          `/members/${alice.id}/introduction`,
          { body: 'やさしい人です。' },
          { tokenFrom: `/members/${alice.id}/introduction` },
        )
      ).status,
      303,
    );

    const diaryRes = await postDiary(
      b,
      { title: 'ボブの日記', body: LINK_TEXT, visibility: 'friends', comments_enabled: 'yes' },
      [await jpeg(400, 300)],
    );
    const diaryId = Number(/\/diaries\/(\d+)/.exec(diaryRes.location!)![1]);
    assert.equal(
      (
        await a.post(
          `/diaries/${diaryId}/comments`,
          { body: 'いいね！ https://example.jp/', submission_key: crypto.randomUUID() },
          { tokenFrom: `/diaries/${diaryId}` },
        )
      ).status,
      303,
    );

    const communityId = await createCommunity(app.db, bob.id, { name: '写真部', description: LINK_TEXT });
    await addMember(app.db, communityId, alice.id);
    const topicRes = await postForm(
      b,
      `/communities/${communityId}/topics/new`,
      `/communities/${communityId}/topics`,
      { title: '今月のテーマ', body: LINK_TEXT, submission_key: crypto.randomUUID() },
      [await jpeg(300, 300)],
    );
    const topicPath = new URL(topicRes.location!, app.baseUrl).pathname;
    assert.equal(
      (
        await postForm(
          a,
          topicPath,
          `${topicPath}/comments`,
          { body: '参加します', submission_key: crypto.randomUUID() },
          [await jpeg(200, 200)],
        )
      ).status,
      303,
    );

    const guest = new Agent(app.baseUrl);
    const phone = await loggedInHandset(app, alice, SMARTPHONE_UA);
    const sources: [string, Agent, string][] = [
      ...['/', '/login', '/register', '/terms'].map((p): [string, Agent, string] => [p, guest, p]),
      ...[
        '/home',
        `/members/${alice.id}`,
        `/members/${bob.id}`,
        `/diaries/${diaryId}`,
        '/diaries/friends',
        '/diaries/new',
        `/communities/${communityId}`,
        topicPath,
        '/settings',
        '/profile/edit',
        '/profile/photos',
        '/footprints',
        '/friends',
        '/communities/new',
        '/invitations',
        `/search/members?q=${encodeURIComponent('ア')}&prefecture=13&age_min=18`,
        `/communities/${communityId}/find?q=${encodeURIComponent('テーマ')}`,
        '/communities/search?sort=activity',
      ].map((p): [string, Agent, string] => [p, a, p]),
      ...[
        '/m/home',
        `/m/diaries/${diaryId}`,
        `/m/diaries/${diaryId}/comments`,
        `/m${topicPath}`,
        `/m/members/${alice.id}`,
        '/m/diaries/new',
        '/m/settings',
        '/m/profile/edit',
        '/m/invitations',
        '/m/search/members?prefecture=13&age_max=30',
        `/m/communities/${communityId}/find?q=${encodeURIComponent('テーマ')}`,
      ].map((p): [string, Agent, string] => [p, phone, p]),
      ['/m/ (visitor)', new Agent(app.baseUrl, { 'user-agent': SMARTPHONE_UA }), '/m/'],
      ['/m/login (visitor)', new Agent(app.baseUrl, { 'user-agent': SMARTPHONE_UA }), '/m/login'],
    ];
    const pages = new Map<string, string>();
    for (const [name, agent, path] of sources) {
      const res = await agent.get(path);
      assert.equal(res.status, 200, `${name}: ${res.status}`);
      pages.set(name, res.text);
    }

    const errors = await htmlErrors(pages);
    assert.deepEqual(
      errors.map((e) => `${e.page}:${e.line} ${e.message} [${e.extract?.trim()}]`),
      [],
      `errors on ${pages.size} pages`,
    );
  } finally {
    await close();
  }
});
