import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity, createTopic } from '../support/communities.js';
import { memberBrowser, noChromium, startJourney, t } from '../support/browser.js';

// Feature-phone pages on a 240×320 screen look like carrier pages (issue 20 item 4): the home's
// ①–⑤ section headings take one line each at the text's size, and a 100-character title in a list
// takes one line, cut with 「…」; its own page shows it whole.

const SCREEN = { width: 240, height: 320 };

test(
  'mobile headings (240×320) › ①–⑤ one line each, long titles one line in lists and whole on their page',
  { skip: noChromium, timeout: 120_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0);
    const me = await createMember(app.db, { nickname: 'みか' });
    const friend = await createMember(app.db, { nickname: 'ゆき' });
    await makeFriends(app.db, me.id, friend.id);
    const title = `週末は鎌倉へ${'、長谷寺と大仏と江ノ電としらす丼の話'.repeat(6)}`.slice(0, 100);
    const diary = await createDiary(app.db, friend.id, { title, visibility: 'friends' });
    const communityId = await createCommunity(app.db, friend.id, {
      name: `鎌倉・湘南をのんびり歩く大人の散歩部${'です'.repeat(20)}`.slice(0, 50),
    });
    await addMember(app.db, communityId, me.id);
    await createTopic(app.db, communityId, friend.id, { title });

    const { page } = await memberBrowser(browser, app.baseUrl, { viewport: SCREEN });
    checks.watch(page);
    await page.goto('/m/login');
    await page.getByLabel(t('form.phone')).fill(me.phone);
    await page.getByLabel(t('form.password')).fill(me.password);
    await page.getByRole('button', { name: t('login.submit') }).click();
    await page.waitForURL('**/m/home');
    await checks.check(page, { maxWidth: SCREEN.width });

    const lineHeight = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize) * 1.5);
    for (const n of [1, 2, 3, 4, 5]) {
      const box = await page.locator(`#s${n}`).boundingBox();
      assert.ok(box && box.height < lineHeight, `section ${n} is one line (${box?.height} px)`);
      const size = await page
        .locator(`#s${n}`)
        .evaluate((h) => [getComputedStyle(h).fontSize, getComputedStyle(document.body).fontSize]);
      assert.equal(size[0], size[1], `section ${n} at the text's size`);
    }
    for (const link of [
      page.locator(`a[href="/m/diaries/${diary.id}"]`).first(),
      page.locator(`a[href^="/m/communities/${communityId}/topics/"]`).first(),
    ]) {
      assert.match(await link.innerText(), /…$/);
      const box = await link.boundingBox();
      assert.ok(box && box.height < lineHeight, `a cut title is one line (${box?.height} px)`);
    }
    await page.goto(`/m/diaries/${diary.id}`);
    await checks.check(page, { maxWidth: SCREEN.width });
    assert.equal(await page.locator('h1').innerText(), title, 'whole on its own page');
    checks.assertClean();
  },
);
