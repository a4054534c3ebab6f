import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { translator } from '../../src/i18n/index.js';
import type { RateLimitSpecs } from '../../src/context.js';
import { startPhotoApp } from './photos.js';

// test/e2e: Debian's Chromium driven by playwright-core, on the real app over loopback. The site's
// CSP stays on (no bypassCSP): axe is evaluated through the DevTools protocol, which CSP does not
// govern, and a page whose own resources CSP blocks is a failure the browser reports here.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** node:test's `skip`: the reason when there is no Chromium to drive (never a failure). */
export const noChromium: string | false = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) to run the browser tests`;

/** The UI's own words, so that tests find fields and buttons by the label a member reads. */
export const t = translator('ja');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A journey's world: the real app (photos in a temporary folder), one Chromium and the page checks,
 * all closed and removed when the test ends, whatever happens.
 */
export async function startJourney(ctx: TestContext, opts: { limits?: Partial<RateLimitSpecs> } = {}) {
  const { app, close } = await startPhotoApp(opts);
  let browser: Browser | null = null;
  ctx.after(async () => {
    await browser?.close();
    await close();
  });
  browser = await launchChromium();
  return { app, browser, checks: new PageChecks() };
}

/** One member's browser: its own cookies, Japanese, the given screen. */
export async function memberBrowser(
  browser: Browser,
  baseURL: string,
  opts: { viewport?: { width: number; height: number }; userAgent?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    locale: 'ja-JP',
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    userAgent: opts.userAgent,
  });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

type Finding = { url: string; what: string };

/**
 * What the browser found on the pages a journey visited: axe-core violations of impact serious or
 * critical (SECURITY 48), Content-Security-Policy violations, and for the 240-pixel mobile screen
 * pages wider than the screen. Collected over the whole journey, asserted once at its end, so that
 * one run lists every problem.
 */
export class PageChecks {
  readonly findings: Finding[] = [];
  readonly checked: string[] = [];

  /** Listens for CSP reports on this page (Chromium logs each blocked resource as a console error). */
  watch(page: Page): Page {
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
        this.findings.push({ url: page.url(), what: `CSP: ${msg.text()}` });
    });
    return page;
  }

  /** Runs axe on the page as it is now; with `maxWidth`, also checks that nothing is wider than the screen. */
  async check(page: Page, opts: { maxWidth?: number } = {}): Promise<void> {
    const url = new URL(page.url()).pathname;
    this.checked.push(url);
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
    const results = await page.evaluate(() =>
      (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
    );
    for (const v of results.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      const where = v.nodes
        .slice(0, 3)
        .map((n) => n.html.slice(0, 160))
        .join(' | ');
      this.findings.push({ url, what: `axe ${v.impact} ${v.id}: ${v.help} — ${where}` });
    }
    if (opts.maxWidth) {
      const wide = await page.evaluate(widestElement);
      if (wide.right > opts.maxWidth)
        this.findings.push({ url, what: `${wide.right}px wide on a ${opts.maxWidth}px screen: ${wide.html}` });
    }
  }

  /** Fails with every finding of the journey, one a line. */
  assertClean(): void {
    assert.equal(
      this.findings.map((f) => `${f.url}: ${f.what}`).join('\n'),
      '',
      `problems the browser found on ${this.checked.length} pages`,
    );
  }
}

/** The element reaching furthest right in the page (empty boxes, such as a <br>, left out). */
function widestElement(): { right: number; html: string } {
  let widest = { right: 0, html: '' };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const right = Math.ceil(box.right + window.scrollX);
    if (box.width > 0 && right > widest.right) widest = { right, html: el.outerHTML.slice(0, 120) };
  }
  return widest;
}

/** Logs in through the PC login form and waits for home. */
export async function logInOnPc(page: Page, member: { phone: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel(t('form.phone')).fill(member.phone);
  await page.getByLabel(t('form.password')).fill(member.password);
  await page.getByRole('button', { name: t('login.submit') }).click();
  await page.waitForURL('**/home');
}

/** The id in the page's URL after `prefix` (`/diaries/` → 12). */
export function idIn(page: Page, prefix: string): number {
  const m = new RegExp(`${prefix}(\\d+)`).exec(new URL(page.url()).pathname);
  if (!m) throw new Error(`no ${prefix}<id> in ${page.url()}`);
  return Number(m[1]);
}
