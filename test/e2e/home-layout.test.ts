import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createMember } from '../support/factories.js';
import { createCommunity } from '../support/communities.js';
import { createMessage } from '../support/messages.js';
import { makeFriends } from '../support/friends.js';
import { logInOnPc, memberBrowser, noChromium, startJourney } from '../support/browser.js';

// Home as mixi laid it out (issue 20 item 2): on a wide screen a side column (me, friends 3 x 3,
// communities 3 x 3) beside the main one with the red お知らせ box; on a phone one column in home's
// order of old. Members and communities without a photo show their initial on a colour.

const SECTIONS = [
  '.home-pending',
  '.home-friends',
  '.home-diaries',
  '.home-photos',
  '.home-activity',
  '.home-communities',
  '.home-notices',
  '.home-me',
];

function boxesOf(page: Page) {
  return page.evaluate(
    (sels) =>
      sels.map((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return { s, x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width) };
      }),
    SECTIONS,
  );
}

test(
  'home layout › a side column on a wide screen, one column in the old order on a phone',
  { skip: noChromium, timeout: 120_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0);
    const me = await createMember(app.db, { nickname: 'みどり' });
    for (let i = 0; i < 10; i++) {
      const f = await createMember(app.db, { nickname: `ともだち${i}` });
      await makeFriends(app.db, me.id, f.id);
    }
    await createMessage(app.db, (await createMember(app.db)).id, me.id);
    for (let i = 0; i < 4; i++) await createCommunity(app.db, me.id, { name: `コミュ${i}` });

    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 375, height: 800 },
    ]) {
      const { context, page } = await memberBrowser(browser, app.baseUrl, { viewport });
      checks.watch(page);
      await logInOnPc(page, me);
      await page.goto('/home');
      await checks.check(page);
      const boxes = await boxesOf(page);
      const at = (s: string) => boxes.find((b) => b.s === s)!;
      if (process.env.HOME_SCREENSHOTS)
        await page.screenshot({ path: `${process.env.HOME_SCREENSHOTS}/home-${viewport.width}.png`, fullPage: true });
      if (viewport.width >= 900) {
        await t0.test('1280px: me, friends and communities on the left of お知らせ and the feeds', () => {
          for (const s of ['.home-me', '.home-friends', '.home-communities'])
            assert.ok(at(s).x + at(s).w <= at('.home-pending').x, `${s} left of お知らせ: ${JSON.stringify(boxes)}`);
          assert.ok(at('.home-me').y < at('.home-friends').y && at('.home-friends').y < at('.home-communities').y);
          assert.ok(at('.home-pending').y < at('.home-diaries').y && at('.home-diaries').y < at('.home-notices').y);
          assert.ok(Math.abs(at('.home-me').y - at('.home-pending').y) < 4, 'both columns start at the top');
        });
        await t0.test(
          '1280px: friends and communities are 3 x 3 grids; no photo is an initial on a colour',
          async () => {
            const rows = await page.evaluate(() =>
              ['.home-friends', '.home-communities'].map((s) => {
                const tops = [...document.querySelectorAll(`${s} .member-grid li`)].map((li) =>
                  Math.round(li.getBoundingClientRect().top),
                );
                return {
                  items: tops.length,
                  perRow: tops.filter((t) => t === tops[0]).length,
                  rows: new Set(tops).size,
                };
              }),
            );
            assert.deepEqual(rows, [
              { items: 9, perRow: 3, rows: 3 },
              { items: 4, perRow: 3, rows: 2 },
            ]);
            const placeholder = await page.evaluate(() => {
              const el = document.querySelector('.home-friends .avatar-initial')!;
              const s = getComputedStyle(el);
              return {
                text: el.textContent,
                background: s.backgroundColor,
                width: Math.round(el.getBoundingClientRect().width),
              };
            });
            assert.equal(placeholder.text, 'と');
            assert.notEqual(placeholder.background, 'rgba(0, 0, 0, 0)');
            assert.ok(placeholder.width >= 60, `${placeholder.width}px`);
            const border = await page.evaluate(
              () => getComputedStyle(document.querySelector('.home-pending')!).borderTopColor,
            );
            assert.equal(border, 'rgb(192, 57, 43)', 'お知らせ is the red box');
          },
        );
      } else {
        await t0.test(
          '375px: one column, お知らせ, friends, diaries, photos, community activity, communities, notices',
          () => {
            const ys = boxes.map((b) => b.y);
            assert.deepEqual(
              ys,
              [...ys].sort((a, b) => a - b),
              `in order: ${JSON.stringify(boxes)}`,
            );
            assert.equal(new Set(boxes.map((b) => b.x)).size, 1, 'one column');
          },
        );
      }
      await context.close();
    }
    checks.assertClean();
  },
);
