/**
 * `npm run bench:explain`: the plan check. Runs the real app in this process on the bench data set
 * (`npm run bench:data -- --scale 1` first), opens every hot page as a typical member and as the
 * heaviest one, records each statement the page sends (knex and the session store), and EXPLAIN
 * ANALYZEs it with its own parameters (writes inside a rolled-back transaction). Prints every plan
 * and a table; exits 1 when any plan reads a table of more than 10,000 rows with a sequential scan.
 *
 *   npm run bench:explain                 every page
 *   npm run bench:explain -- --pages home,profile --quiet   (no plan text, only the table)
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDb, createPgPool } from '../../src/db/knex.js';
import { systemClock } from '../../src/lib/clock.js';
import { ROOT } from '../../src/paths.js';
import { freePort } from '../../src/db/embedded.js';
import { cliArgs, openBenchDatabase, withClient } from './database.js';
import { chooseTargets, logIn, request } from './sessions.js';

const SEQ_SCAN_LIMIT = 10_000;

type Captured = { sql: string; bindings: unknown[] };
type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Actual Rows'?: number;
};

function seqScans(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) out.push(node['Relation Name']);
  for (const c of node.Plans ?? []) seqScans(c, out);
  return out;
}

const EXPLAINABLE = /^\s*(\(?\s*select|insert|update|delete|with)\b/i;
const WRITES = /^\s*(insert|update|delete)\b|\b(insert\s+into|update\s+\S+\s+set|delete\s+from)\b/i;

async function main() {
  const args = cliArgs();
  const only = args.get('pages')?.split(',');
  const quiet = args.has('quiet');
  const bench = await openBenchDatabase();
  const captured: Captured[] = [];
  let capturing = false;
  const db = createDb(bench.url, { max: 10 });
  db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    if (capturing) captured.push({ sql: q.sql, bindings: q.bindings ?? [] });
  });
  const sessionPool = createPgPool(bench.url, 5);
  // The session store's statements are hot too (one per request).
  const poolQuery = sessionPool.query.bind(sessionPool) as (...a: unknown[]) => unknown;
  (sessionPool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
    const q = a[0] as string | { text: string; values?: unknown[] };
    if (capturing)
      captured.push(
        typeof q === 'string'
          ? { sql: q, bindings: Array.isArray(a[1]) ? a[1] : [] }
          : { sql: q.text, bindings: q.values ?? [] },
      );
    return poolQuery(...a);
  };
  // Footprints written with their page (FOOTPRINT_BATCH_MS=0), so that the recording statement is
  // among the page's statements here; under load it carries a batch of visits instead of one.
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'production',
    PUBLIC_ORIGIN: `https://127.0.0.1:${port}`,
    TRUST_PROXY: 'loopback',
    SESSION_SECRET: 'bench-explain-secret-bench-explain-secret',
    SMS_PROVIDER: 'console',
    UPLOADS_DIR: path.join(ROOT, '.data', 'bench', 'uploads'),
    FOOTPRINT_BATCH_MS: '0',
  });
  const { app } = createApp({ config, db, sessionPool, clock: systemClock });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new pg.Client({ connectionString: bench.url });
  await client.connect();
  let failed = false;
  try {
    const n = Number((await client.query('SELECT count(*) AS n FROM members')).rows[0].n);
    if (!n) throw new Error('the bench database is empty: run `npm run bench:data -- --scale 1` first');
    // A typical member, the one with most friends, and a friend of the most prolific diarist.
    const {
      rows: [who],
    } = await client.query(`
      SELECT (SELECT id FROM members WHERE status = 'active' AND friend_count BETWEEN 8 AND 15 ORDER BY id LIMIT 1 OFFSET 42) AS typical,
             (SELECT id FROM members WHERE status = 'active' ORDER BY friend_count DESC, id LIMIT 1) AS heavy,
             (SELECT f.member_id FROM friendships f JOIN members m ON m.id = f.member_id AND m.status = 'active'
               WHERE f.friend_id = (SELECT author_id FROM diaries GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) ORDER BY f.member_id LIMIT 1) AS fan`);
    const viewers = [
      ['typical', Number(who.typical)],
      ['heavy', Number(who.heavy)],
      ['fan of the top diarist', Number(who.fan)],
    ] as const;
    const targets = await chooseTargets(
      client,
      viewers.map(([, id]) => id),
    );
    const reltuples = new Map(
      (
        await client.query<{ name: string; n: number }>(
          `SELECT relname AS name, reltuples::bigint AS n FROM pg_class WHERE relkind IN ('r', 'p')`,
        )
      ).rows.map((r) => [r.name, Number(r.n)]),
    );

    type Page = { name: string; viewer: string; path: string; cookie?: string };
    const pages: Page[] = [];
    for (const [label, id] of viewers) {
      const { cookie } = await logIn(baseUrl, id);
      const t = (name: string, p: string | undefined) => {
        if (p) pages.push({ name, viewer: `${label} (${id})`, path: p, cookie });
      };
      const topic = targets.topics.get(id)?.[0];
      t('home', '/home');
      t('mobile-home', '/m/home');
      t(
        'profile',
        targets.profiles.get(id)?.[0] !== undefined ? `/members/${targets.profiles.get(id)![0]}` : undefined,
      );
      t(
        'profile',
        targets.profiles.get(id)?.at(-1) !== undefined ? `/members/${targets.profiles.get(id)!.at(-1)}` : undefined,
      );
      t('diary', targets.diaries.get(id)?.[0] !== undefined ? `/diaries/${targets.diaries.get(id)![0]}` : undefined);
      t('topic', topic ? `/communities/${topic.communityId}/topics/${topic.topicId}` : undefined);
      t('board', topic ? `/communities/${topic.communityId}/topics` : undefined);
      t('community', topic ? `/communities/${topic.communityId}` : undefined);
      t('friends-diaries', '/diaries/friends');
      t('author-diaries', `/members/${targets.profiles.get(id)?.[0] ?? id}/diaries`);
      t('friends', '/friends');
      t('footprints', '/footprints');
      t('messages', '/messages');
      t('communities', '/communities');
    }
    pages.push({ name: 'login', viewer: 'visitor', path: '/login' });
    pages.push({ name: 'terms', viewer: 'visitor', path: '/terms' });

    const rows: string[] = [
      '| page | viewer | statement | ms | buffers | rows | seq scans > 10k rows |',
      '|---|---|---|---:|---:|---:|---|',
    ];
    for (const page of pages.filter((p) => !only || only.includes(p.name))) {
      await request(baseUrl, page.path, { headers: page.cookie ? { cookie: page.cookie } : {} }); // warm: one-time work out of the way
      captured.length = 0;
      capturing = true;
      const res = await request(baseUrl, page.path, { headers: page.cookie ? { cookie: page.cookie } : {} });
      capturing = false;
      if (res.status !== 200) {
        console.log(`!! ${page.name} ${page.path} as ${page.viewer}: ${res.status}`);
        failed = true;
        continue;
      }
      const statements = captured.splice(0);
      if (!quiet) console.log(`\n==== ${page.name} ${page.path} as ${page.viewer}: ${statements.length} statements`);
      for (const [i, s] of statements.entries()) {
        if (!EXPLAINABLE.test(s.sql)) continue;
        const write = WRITES.test(s.sql);
        if (write) await client.query('BEGIN');
        let plan: { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number };
        try {
          plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.sql}`, s.bindings)).rows[0][
            'QUERY PLAN'
          ][0];
        } finally {
          if (write) await client.query('ROLLBACK');
        }
        const big = seqScans(plan.Plan).filter((rel) => (reltuples.get(rel) ?? 0) > SEQ_SCAN_LIMIT);
        if (big.length) failed = true;
        const ms = plan['Planning Time'] + plan['Execution Time'];
        const buffers = (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0);
        rows.push(
          `| ${page.name} | ${page.viewer} | ${i + 1}. ${s.sql.replace(/\s+/g, ' ').slice(0, 70).replace(/\|/g, '\\|')}… | ${ms.toFixed(2)} | ${buffers} | ${plan.Plan['Actual Rows'] ?? ''} | ${big.length ? `**${big.join(', ')}**` : ''} |`,
        );
        if (!quiet) {
          if (write) await client.query('BEGIN');
          const text = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.bindings)).rows
            .map((r) => r['QUERY PLAN'])
            .join('\n');
          if (write) await client.query('ROLLBACK');
          console.log(`\n-- ${i + 1}. ${s.sql.replace(/\s+/g, ' ')}\n-- params ${JSON.stringify(s.bindings)}\n${text}`);
        }
      }
    }
    const summary = rows.join('\n');
    console.log(`\n${summary}\n`);
    const outDir = path.join(ROOT, '.data', 'bench');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'explain.md'), summary + '\n');
    console.log(
      failed
        ? `FAILED: a page did not answer 200, or a plan scans a table of more than ${SEQ_SCAN_LIMIT.toLocaleString('en-US')} rows sequentially`
        : `ok: no sequential scan of a table of more than ${SEQ_SCAN_LIMIT.toLocaleString('en-US')} rows`,
    );
  } finally {
    await client.end();
    server.closeAllConnections();
    server.close();
    await sessionPool.end();
    await db.destroy();
    await bench.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error('[bench:explain] failed:', err);
  process.exit(1);
});
