import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createMember } from '../support/factories.js';
import { createCommunity } from '../support/communities.js';
import { createMessage } from '../support/messages.js';
import { logInOnPc, memberBrowser, noChromium, startJourney } from '../support/browser.js';

// What only a browser shows (issue 17, item 20): home's お知らせ items carry one marker, the feed
// URL field looks like every other field, and the ban form's button keeps its label on one line.

/** How many lines the text of the first element matching `selector` takes. */
function linesOf(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(sel)!);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  }, selector);
}

test(
  'layout details › one marker per お知らせ item, a full-width feed URL field, a ban button on one line',
  { skip: noChromium, timeout: 120_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0);
    const me = await createMember(app.db, { nickname: 'みどり' });
    const other = await createMember(app.db, { nickname: 'あおい' });
    await createMessage(app.db, other.id, me.id, { subject: '未読のメッセージ' });
    const communityId = await createCommunity(app.db, me.id, { name: '見た目を確かめるコミュ' });

    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 375, height: 800 },
    ]) {
      const { context, page } = await memberBrowser(browser, app.baseUrl, { viewport });
      checks.watch(page);
      await logInOnPc(page, me);

      await t0.test(`home at ${viewport.width}px: the pending items have the ▶ and no list bullet`, async () => {
        await page.goto('/home');
        const marker = await page.evaluate(() => {
          const li = document.querySelector('.pending li')!;
          return { list: getComputedStyle(li).listStyleType, before: getComputedStyle(li, '::before').content };
        });
        assert.deepEqual(marker, { list: 'none', before: '"▶ "' });
      });

      await t0.test(
        `feeds at ${viewport.width}px: the URL field is as wide and framed as the other fields; gone at 3 feeds`,
        async () => {
          await page.goto('/settings/feeds');
          await checks.check(page);
          const boxes = await page.evaluate(() =>
            [document.querySelector('#url')!, document.querySelector('#external_blog_visibility')!].map((el) => {
              const s = getComputedStyle(el);
              return {
                width: Math.round(el.getBoundingClientRect().width),
                border: s.borderTopColor,
                padding: s.paddingLeft,
              };
            }),
          );
          assert.deepEqual(boxes[0], boxes[1]);
          for (const n of [1, 2, 3]) {
            await page.getByLabel('フィードのURL（http:// または https://）').fill(`https://b${n}.example.jp/rss`);
            await page.getByRole('button', { name: '追加する' }).click();
            await page.waitForURL('**/settings/feeds');
          }
          assert.equal(await page.locator('#url').count(), 0);
          assert.match(await page.locator('body').innerText(), /登録できるのは3件までです/);
          await app.db('external_feeds').where({ member_id: me.id }).del();
        },
      );

      await t0.test(`community bans at ${viewport.width}px: the button's label is one line`, async () => {
        await page.goto(`/communities/${communityId}/manage/bans`);
        await checks.check(page);
        assert.equal(await linesOf(page, '.search-form button'), 1);
        assert.equal(await linesOf(page, '.search-form label'), 1);
      });
      await context.close();
    }
    checks.assertClean();
  },
);
