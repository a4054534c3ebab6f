import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity, createTopic } from '../support/communities.js';
import { idIn, memberBrowser, noChromium, startJourney, t } from '../support/browser.js';

// The feature-phone site in a real browser on a 240×320 screen: logging in, home, writing a diary,
// commenting on a friend's diary, reading and commenting on a topic. axe-core runs on every page,
// and no page may be wider than the screen.

const SCREEN = { width: 240, height: 320 };

test(
  'mobile journey (240×320) › login, home, a diary with a comment, a topic',
  { skip: noChromium, timeout: 120_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0);
    const mika = await createMember(app.db, { nickname: 'みか' });
    const yuki = await createMember(app.db, { nickname: 'ゆき' });
    await makeFriends(app.db, mika.id, yuki.id);
    const diary = await createDiary(app.db, yuki.id, {
      title: '雪の日',
      body: '一面まっしろでした。https://example.jp/snow',
      visibility: 'friends',
      comments_enabled: true,
    });
    const communityId = await createCommunity(app.db, yuki.id, { name: '冬のあそび' });
    await addMember(app.db, communityId, mika.id);
    const topicId = await createTopic(app.db, communityId, yuki.id, {
      title: 'スキー場の情報',
      body: '今年はどこへ行きますか？',
    });

    const { page } = await memberBrowser(browser, app.baseUrl, { viewport: SCREEN });
    checks.watch(page);
    const check = () => checks.check(page, { maxWidth: SCREEN.width });

    await t0.test('logs in and sees home', async () => {
      await page.goto('/m/');
      await check();
      await page.goto('/m/login');
      await check();
      await page.getByLabel(t('form.phone')).fill(mika.phone);
      await page.getByLabel(t('form.password')).fill(mika.password);
      await page.getByRole('button', { name: t('login.submit') }).click();
      await page.waitForURL('**/m/home');
      await check();
      assert.match(await page.locator('body').innerText(), /みか/);
    });

    await t0.test('writes a diary', async () => {
      await page
        .getByRole('link', { name: t('diaries.list.write') })
        .first()
        .click();
      await check();
      await page.getByLabel(t('diaries.form.title')).fill('はじめての日記');
      await page.getByLabel(t('diaries.form.body')).fill('携帯から書いています。');
      await page.getByLabel(t('diaries.form.visibility')).selectOption('friends');
      await page.getByRole('button', { name: t('diaries.form.submit') }).click();
      await page.waitForURL('**/m/diaries/*');
      assert.ok(idIn(page, '/m/diaries/') > diary.id);
      await check();
      assert.match(await page.locator('body').innerText(), /携帯から書いています/);
    });

    await t0.test("opens a friend's diary from home and comments on it", async () => {
      await page.goto('/m/home');
      await page.getByRole('link', { name: '雪の日' }).click();
      await page.waitForURL(`**/m/diaries/${diary.id}`);
      await check();
      await page.getByLabel(t('diaries.comment.body')).fill('きれいですね！');
      await page.getByRole('button', { name: t('diaries.comment.submit') }).click();
      await page.waitForURL(`**/m/diaries/${diary.id}/comments**`);
      await check();
      assert.match(await page.locator('body').innerText(), /きれいですね！/);
    });

    await t0.test('reads a topic of a community and comments on it', async () => {
      await page.goto('/m/communities');
      await check();
      await page.getByRole('link', { name: '冬のあそび' }).first().click();
      await page.waitForURL(`**/m/communities/${communityId}`);
      await check();
      await page.getByRole('link', { name: 'スキー場の情報' }).first().click();
      await page.waitForURL(`**/m/communities/${communityId}/topics/${topicId}`);
      await check();
      await page.getByLabel(t('communities.comments.body')).fill('北海道に行きます。');
      await page.getByRole('button', { name: t('diaries.comment.submit') }).click();
      await page.waitForURL(`**/m/communities/${communityId}/topics/${topicId}/comments**`);
      await check();
      assert.match(await page.locator('body').innerText(), /北海道に行きます。/);
    });

    await t0.test('opens the settings and profile forms', async () => {
      for (const path of ['/m/settings', '/m/profile/edit', '/m/profile/edit/introduction', '/m/search/members']) {
        await page.goto(path);
        await check();
      }
    });

    checks.assertClean();
  },
);
