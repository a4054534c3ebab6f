import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity, createTopic } from '../support/communities.js';
import { createMessage } from '../support/messages.js';
import { createReport } from '../support/moderation.js';
import { logInOnPc, memberBrowser, noChromium, startJourney, t, type PageChecks } from '../support/browser.js';

// One responsive PC site (issue 20, items 1 and 6): the main pages at 320, 390 and 1280 px, the
// mobile site at 240 and 390, and the back office at 390, each run through axe (tap targets
// included) and checked for sideways scrolling. On phones the header keeps the logo on one line and
// the navigation on one row (a strip that scrolls inside the header, never the page). The tap-target
// rule is left out on /m/: its pages are made for the number keys of carrier phones (src/http/MOBILE.md).

const LONG_URL = `https://example.jp/${'nagai-url-'.repeat(12)}`;

/**
 * After `checks.check` (axe with its default rules): axe's tap-target rule (WCAG 2.2 target-size,
 * 24 x 24 px, off by default), and whether the page scrolls sideways, i.e. its content is wider
 * than the window; the widest element named to find the culprit.
 */
async function fits(page: Page, checks: PageChecks, width: number, opts: { tapTargets?: boolean } = {}): Promise<void> {
  const url = new URL(page.url()).pathname;
  if (opts.tapTargets ?? true) {
    const targets = await page.evaluate(() =>
      (window as unknown as { axe: typeof import('axe-core') }).axe.run(document, {
        runOnly: { type: 'rule', values: ['target-size'] },
      }),
    );
    for (const v of targets.violations) {
      checks.findings.push({
        url,
        what: `axe ${v.impact} ${v.id} at ${width}px: ${v.nodes
          .slice(0, 3)
          .map((n) => n.html.slice(0, 120))
          .join(' | ')}`,
      });
    }
  }
  const { scroll, inner, widest } = await page.evaluate(() => {
    let widest = '';
    let right = 0;
    outer: for (const el of document.body.querySelectorAll('*')) {
      // What sits inside a scrolling strip (the phone navigation, a wide admin table) may reach past the screen.
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) continue outer;
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > right) {
        right = box.right;
        widest = el.outerHTML.slice(0, 120);
      }
    }
    return {
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      widest: `${Math.ceil(right)}px ${widest}`,
    };
  });
  if (scroll > inner)
    checks.findings.push({ url, what: `scrolls sideways at ${width}px: ${scroll}px wide; widest ${widest}` });
}

/** How many lines the text of `selector`'s first match takes. */
function linesOf(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(sel)!);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  }, selector);
}

test(
  'widths › the PC site at 320, 390 and 1280 px, /m/ at 240 and 390, /admin/ at 390: no sideways scrolling, axe clean',
  { skip: noChromium, timeout: 170_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0, { limits: { loginPerIp: { points: 1000, duration: 60 } } });
    const me = await createMember(app.db, { nickname: 'みどり', role: 'admin' });
    const friend = await createMember(app.db, { nickname: 'あおい' });
    await makeFriends(app.db, me.id, friend.id);
    await app
      .db('profiles')
      .insert({ member_id: me.id, hobbies: '散歩', self_introduction: `よろしくお願いします。\n${LONG_URL}` });
    const diary = await createDiary(app.db, friend.id, {
      title: 'とても長い題名の日記です。'.repeat(3),
      body: `本文です。\n${LONG_URL}`,
    });
    await app.db('diary_comments').insert({
      diary_id: diary.id,
      diary_author_id: friend.id,
      number: 1,
      author_id: me.id,
      body: `コメントです。${LONG_URL}`,
      submission_key: crypto.randomUUID(),
    });
    const communityId = await createCommunity(app.db, friend.id, {
      name: '幅を確かめるコミュニティ',
      description: `説明です。${LONG_URL}`,
    });
    await addMember(app.db, communityId, me.id);
    const topicId = await createTopic(app.db, communityId, friend.id, {
      title: 'はじめまして',
      body: `トピックの本文。${LONG_URL}`,
    });
    const messageId = await createMessage(app.db, friend.id, me.id, {
      subject: '未読のメッセージの件名がすこし長い場合',
      body: LONG_URL,
    });
    const mine = await createCommunity(app.db, me.id, { name: '自分のコミュニティ' });
    await addMember(app.db, mine, friend.id);
    await createReport(app.db, {
      reporterId: me.id,
      type: 'diary',
      targetId: diary.id,
      reportedMemberId: friend.id,
      body: '確認してください。',
    });

    // A footprint on my page, so /footprints lists someone.
    const visitor = await memberBrowser(browser, app.baseUrl);
    await logInOnPc(visitor.page, friend);
    await visitor.page.goto(`/members/${me.id}`);
    await visitor.context.close();

    const guestPages = ['/', '/login', '/register', '/terms'];
    const memberPages = [
      '/home',
      `/members/${me.id}`,
      `/members/${friend.id}`,
      `/diaries/${diary.id}`,
      `/members/${friend.id}/diaries`,
      '/diaries/friends',
      '/diaries/new',
      '/friends',
      '/communities',
      '/communities/search',
      '/communities/search?q=%E5%B9%85',
      `/communities/${communityId}`,
      `/communities/${communityId}/topics/${topicId}`,
      '/messages',
      `/messages/new?to=${friend.id}`,
      '/footprints',
      '/settings',
      '/settings/feeds',
      '/profile/edit',
      '/search/members',
      '/profile/photos',
      '/friends/requests',
      `/messages/${messageId}`,
      `/communities/${communityId}/members`,
      `/communities/${communityId}/events`,
      `/communities/${mine}/manage/members`,
    ];

    for (const width of [320, 390, 1280]) {
      const { context, page } = await memberBrowser(browser, app.baseUrl, { viewport: { width, height: 800 } });
      checks.watch(page);
      await t0.test(
        `PC site at ${width}px: ${guestPages.length + memberPages.length} pages fit and pass axe`,
        async () => {
          for (const url of guestPages) {
            await page.goto(url);
            await checks.check(page);
            await fits(page, checks, width);
          }
          await logInOnPc(page, me);
          for (const url of memberPages) {
            const res = await page.goto(url);
            assert.equal(res?.status(), 200, url);
            await checks.check(page);
            await fits(page, checks, width);
          }
        },
      );

      await t0.test(
        `header at ${width}px: the logo on one line, the navigation on one row, each link on one line`,
        async () => {
          await page.goto('/home');
          assert.equal(await linesOf(page, '.logo'), 1);
          const links = await page.locator('nav[aria-label=main] a, nav[aria-label=main] button').evaluateAll((els) =>
            els.map((el) => {
              const range = document.createRange();
              range.selectNodeContents(el);
              const lines = new Set(
                [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
              ).size;
              const box = el.getBoundingClientRect();
              return {
                text: (el as HTMLElement).innerText,
                lines,
                top: Math.round(box.top),
                height: box.height,
                width: box.width,
              };
            }),
          );
          assert.ok(
            links.some((l) => l.text.startsWith(t('communities.nav'))),
            `the navigation lists コミュニティ: ${links.map((l) => l.text)}`,
          );
          assert.deepEqual(
            links.filter((l) => l.lines !== 1).map((l) => l.text),
            [],
            'no link is broken over two lines',
          );
          assert.equal(
            new Set(links.map((l) => l.top)).size,
            1,
            `one row: ${JSON.stringify(links.map((l) => [l.text, l.top]))}`,
          );
          assert.deepEqual(
            links.filter((l) => l.height < 24 || l.width < 24).map((l) => l.text),
            [],
            'every link is a 24 x 24 px target or more',
          );
        },
      );

      if (width < 720) {
        await t0.test(`at ${width}px: community search keeps its button and a usable field`, async () => {
          await page.goto('/communities/search');
          const field = await page.locator('#community-q').first().boundingBox();
          const button = await page.locator('main form button[type=submit]').first().boundingBox();
          assert.ok(field && field.width >= 120, `the keyword field is ${field?.width}px wide`);
          assert.ok(
            button && button.x + button.width <= width,
            `the button ends at ${button && button.x + button.width}px`,
          );
        });
      }

      if (width === 390) {
        await t0.test('the back office at 390px fits too', async () => {
          for (const url of [
            '/admin/',
            '/admin/reports',
            `/admin/members/${friend.id}`,
            '/admin/members',
            '/admin/communities',
            '/admin/audit',
          ]) {
            const res = await page.goto(url);
            assert.equal(res?.status(), 200, url);
            await checks.check(page);
            await fits(page, checks, width);
          }
          await page.goto('/admin/reports');
          assert.equal(
            await linesOf(page, `a[href="/admin/reports/diary/${diary.id}"].nowrap`),
            1,
            "the queue's 対応する link is one line",
          );
        });
      }
      await context.close();
    }

    for (const width of [240, 390]) {
      const { context, page } = await memberBrowser(browser, app.baseUrl, { viewport: { width, height: 320 } });
      checks.watch(page);
      await t0.test(`/m/ at ${width}px: landing and home fit`, async () => {
        await page.goto('/m/');
        await checks.check(page);
        await fits(page, checks, width, { tapTargets: false });
        await page.goto('/m/login');
        await page.getByLabel(t('form.phone')).fill(me.phone);
        await page.getByLabel(t('form.password')).fill(me.password);
        await page.getByRole('button', { name: t('login.submit') }).click();
        await page.waitForURL('**/m/home');
        await checks.check(page);
        await fits(page, checks, width, { tapTargets: false });
      });
      await context.close();
    }
    checks.assertClean();
  },
);
