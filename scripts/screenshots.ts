/**
 * `npm run screenshots`: the site as a member sees it, for README.md. Starts src/server.ts on a fresh
 * embedded PostgreSQL (in a temporary folder, free loopback ports) with the demo seed, logs in as
 * さくら and writes PNGs of home, profile, a diary, a topic and a community at 390 and 1280 px wide,
 * and of the mobile home at 240 px, into docs/screenshots/. Each is clipped to its first 1400 px of
 * height so the files stay small.
 *
 *   npm run screenshots                       docs/screenshots/
 *   npm run screenshots -- --out DIR --all    into DIR, plus more pages (for looking, not for the README)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { embeddedUrl, freePort } from '../src/db/embedded.js';
import { ROOT } from '../src/paths.js';
import { formatJapaneseMobile } from '../src/lib/phone.js';
import { DEMO_MEMBERS, DEMO_PASSWORD } from '../seeds/demo.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MAX_HEIGHT = 1400;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** src/server.ts in a child process; resolves once it says it is running. */
async function startServer(env: Record<string, string>): Promise<{ stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 120 s:\n${log}`)), 120_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ashiato is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${log}`));
    });
  });
  return {
    async stop() {
      child.kill('SIGTERM'); // graceful shutdown stops the embedded PostgreSQL too
      await exited;
    },
  };
}

/** The most telling pages for さくら: her own id, the diary, community and topic with the most in them. */
async function pickPages(
  ownerUrl: string,
): Promise<{ me: number; diary?: number; community?: number; topic?: number }> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    const me = Number((await db.query('SELECT id FROM members WHERE phone = $1', [DEMO_MEMBERS[0].phone])).rows[0].id);
    const diary = (
      await db.query(
        `
      SELECT d.id FROM diaries d
       WHERE d.hidden_at IS NULL AND (d.author_id = $1 OR d.author_id IN (SELECT friend_id FROM friendships WHERE member_id = $1))
       ORDER BY (SELECT count(*) FROM diary_photos p WHERE p.diary_id = d.id) * 3
              + (SELECT count(*) FROM diary_comments c WHERE c.diary_id = d.id) DESC, d.id DESC
       LIMIT 1`,
        [me],
      )
    ).rows[0]?.id;
    const community = (
      await db.query(
        `
      SELECT c.id FROM communities c JOIN community_members m ON m.community_id = c.id AND m.member_id = $1
       ORDER BY (SELECT count(*) FROM community_topics t WHERE t.community_id = c.id) DESC, c.id
       LIMIT 1`,
        [me],
      )
    ).rows[0]?.id;
    const topic = community
      ? (
          await db.query(
            `
      SELECT t.id FROM community_topics t WHERE t.community_id = $1
       ORDER BY (SELECT count(*) FROM community_comments c WHERE c.topic_id = t.id) DESC, t.id
       LIMIT 1`,
            [community],
          )
        ).rows[0]?.id
      : undefined;
    return {
      me,
      diary: diary && Number(diary),
      community: community && Number(community),
      topic: topic && Number(topic),
    };
  } finally {
    await db.end();
  }
}

/** The login form of the PC site or of /m/, as さくら; waits for her home. */
async function logIn(page: Page, loginUrl: string): Promise<void> {
  await page.goto(loginUrl);
  await page.locator('input[name=phone]').fill(formatJapaneseMobile(DEMO_MEMBERS[0].phone));
  await page.locator('input[name=password]').fill(DEMO_PASSWORD);
  await page.locator('form[action$="/login"] [type=submit]').click();
  await page.waitForURL('**/home');
}

/** With --all: さくら becomes an admin of this throwaway database, to look at /admin/ too. */
async function makeStaff(ownerUrl: string, id: number): Promise<void> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  await db.query(`UPDATE members SET role = 'admin' WHERE id = $1`, [id]).finally(() => db.end());
}

async function shoot(page: Page, url: string, file: string): Promise<void> {
  const res = await page.goto(url);
  if (!res || res.status() !== 200) throw new Error(`${url}: HTTP ${res?.status()}`);
  await page.evaluate(() => document.fonts.ready);
  const { width, height } = await page.evaluate(() => ({
    width: document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
  }));
  await page.screenshot({
    path: file,
    clip: { x: 0, y: 0, width, height: Math.min(height, MAX_HEIGHT) },
    fullPage: true,
  });
  console.log(`${path.relative(ROOT, file) || file}  ${url}  ${Math.round(fs.statSync(file).size / 1024)} KB`);
}

async function main() {
  const out = path.resolve(option('--out') ?? path.join(ROOT, 'docs', 'screenshots'));
  const all = process.argv.includes('--all');
  fs.mkdirSync(out, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-screenshots-'));
  fs.chmodSync(tmp, 0o755);
  const [port, pgPort] = [await freePort(), await freePort()];
  const server = await startServer({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: '',
    EMBEDDED_PG_DIR: path.join(tmp, 'postgres'),
    EMBEDDED_PG_PORT: String(pgPort),
    UPLOADS_DIR: path.join(tmp, 'uploads'),
    SESSION_SECRET: randomBytes(24).toString('hex'),
    SEED_DEMO: 'auto',
    WEB_CONCURRENCY: '1',
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_TIME_COST: '2',
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const ownerUrl = embeddedUrl(pgPort, 'ashiato');
    const ids = await pickPages(ownerUrl);
    if (all) await makeStaff(ownerUrl, ids.me);
    const baseURL = `http://127.0.0.1:${port}`;
    const pages: [string, string | undefined][] = [
      ['home', '/home'],
      ['profile', `/members/${ids.me}`],
      ['diary', ids.diary ? `/diaries/${ids.diary}` : undefined],
      ['community', ids.community ? `/communities/${ids.community}` : undefined],
      ['topic', ids.topic ? `/communities/${ids.community}/topics/${ids.topic}` : undefined],
    ];
    if (all) {
      pages.push(
        ['landing-in', '/diaries/friends'],
        ['diaries', `/members/${ids.me}/diaries`],
        ['friends', '/friends'],
        ['communities', '/communities'],
        ['community-search', '/communities/search?q=a'],
        ['messages', '/messages'],
        ['footprints', '/footprints'],
        ['settings', '/settings'],
        ['feeds', '/settings/feeds'],
        ['search', '/search/members'],
        ['admin', '/admin/'],
        ['admin-reports', '/admin/reports'],
        ['admin-member', `/admin/members/${ids.me}`],
        ['admin-audit', '/admin/audit'],
      );
    }
    for (const width of [390, 1280]) {
      const context = await browser.newContext({ baseURL, locale: 'ja-JP', viewport: { width, height: 900 } });
      const page = await context.newPage();
      if (all) {
        await shoot(page, '/', path.join(out, `landing-${width}.png`));
        await shoot(page, '/login', path.join(out, `login-${width}.png`));
      }
      await logIn(page, '/login');
      for (const [name, url] of pages) {
        if (url) await shoot(page, url, path.join(out, `${name}-${width}.png`));
        else console.warn(`no ${name} in the demo data: not shot`);
      }
      await context.close();
    }
    const mobile = await browser.newContext({ baseURL, locale: 'ja-JP', viewport: { width: 240, height: 320 } });
    const phone = await mobile.newPage();
    await logIn(phone, '/m/login');
    await shoot(phone, '/m/home', path.join(out, 'mobile-home-240.png'));
    await mobile.close();
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
