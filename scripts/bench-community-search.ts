/**
 * Community search at scale: 100,000 generated communities, then the real search query for short,
 * long, common, rare and absent words, with its plan and its warm execution time (median of 5).
 * The numbers behind src/features/communities/CONTEXT.md.
 *
 *   npx tsx scripts/bench-community-search.ts            (an embedded PostgreSQL in a temp folder, port BENCH_PG_PORT or 54338)
 *   DATABASE_URL=postgres://… npx tsx scripts/bench-community-search.ts   (creates a scratch database)
 *   COMMUNITIES=20000 npx tsx scripts/bench-community-search.ts
 *   KEEP_DB=1 …   keeps the scratch database (with DATABASE_URL) to look at plans afterwards
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { searchCommunities, searchWords } from '../src/features/communities/queries.js';

const COUNT = Number(process.env.COMMUNITIES ?? 100_000);
const DB = 'ashiato_bench_search';

// Names and descriptions from a vocabulary of common words (each in a few percent of the rows), plus
// 0–4 rare tokens per description: two random kanji, or five random letters.
const GENERATE = `
WITH v AS (SELECT
  ARRAY['猫','犬','ねこ','いぬ','カメラ','写真','旅行','東京','大阪','京都','北海道','ラーメン','カレー','寿司','音楽','ギター','ピアノ','ジャズ','映画','アニメ','漫画','読書','料理','パン','コーヒー','紅茶','ワイン','日本酒','野球','サッカー','テニス','登山','釣り','キャンプ','自転車','ヨガ','英会話','ゲーム','鉄道','温泉','昭和','手芸','書道','将棋','囲碁','星空','天体観測','金魚','うさぎ','パンダ','Cat','Dog','Photo','Travel','Jazz','Guitar','Coffee','Python','Linux','Anime','Soccer','Camping','Music']::text[] AS words,
  ARRAY['好きの集まり','部','同好会','愛好会','ファンクラブ','を語ろう','の会','倶楽部','研究会','仲間','サークル',' lovers',' club',' fans']::text[] AS suffixes,
  ARRAY['このコミュニティは','気軽に参加してください。','初心者も大歓迎です。','情報交換しましょう。','週末にオフ会をしています。','写真を載せてください。','みんなで楽しく話しましょう。','荒らしは禁止です。','トピックは自由に立ててください。','よろしくお願いします！','Welcome to everyone.','We meet every month.','おすすめを教えてください。']::text[] AS phrases)
INSERT INTO communities (name, category, description, member_count)
SELECT left(v.words[1 + floor(random() * cardinality(v.words))::int] || v.suffixes[1 + floor(random() * cardinality(v.suffixes))::int] || CASE WHEN random() < 0.3 THEN ' ' || n ELSE '' END, 50),
  (ARRAY['hobbies','music','sports','area','food_drink','animals_pets'])[1 + n % 6],
  (SELECT string_agg(CASE WHEN random() + g * 0 < 0.3 THEN v.words[1 + floor((random() + g * 0) * cardinality(v.words))::int]
                          ELSE v.phrases[1 + floor((random() + g * 0) * cardinality(v.phrases))::int] END, '')
     FROM generate_series(1, 2 + (random() * 30)::int + n * 0) g)
  || (SELECT coalesce(string_agg(CASE WHEN random() + g * 0 < 0.6 THEN chr(19968 + (random() * 20901)::int) || chr(19968 + (random() * 20901)::int)
                          ELSE ' ' || array_to_string(ARRAY(SELECT chr(97 + (random() * 25)::int) FROM generate_series(1, 5 + g * 0)), '') || ' ' END, ''), '')
     FROM generate_series(1, (random() * 4)::int + n * 0) g),
  (random() ^ 4 * 5000)::int
FROM generate_series(1, ?::int) n, v`;

// Common words (in a few percent of the rows or more), rare ones (a random kanji is in ~15 rows),
// and absent ones; 1, 2 and 3+ characters; several words.
const QUERIES = [
  'の',
  '猫',
  'ねこ',
  'jazz',
  'オフ会',
  '天体観測',
  'python',
  '鰻',
  '鰻丼',
  'qzxwv',
  '鰻丼屋さん',
  'coffee lovers',
  '東京 ラーメン',
  '猫 鰻',
  '猫 ねこ',
  '天体観測 鰻',
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-bench-search-'));
  fs.chmodSync(dir, 0o755);
  const embedded = adminUrl
    ? null
    : await startEmbeddedPostgres({
        dir: path.join(dir, 'data'),
        port: Number(process.env.BENCH_PG_PORT ?? 54338),
        persistent: false,
      });
  adminUrl ??= embedded!.url('postgres');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const url = new URL(adminUrl);
  url.pathname = `/${DB}`;
  const db = createDb(url.toString(), { max: 2 });
  try {
    await migrateLatest(db);
    let t = Date.now();
    await db.raw(`SET statement_timeout = 0`);
    await db.raw(GENERATE, [COUNT]);
    console.log(`inserted ${COUNT} communities (all indexes in place) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    await db.raw('VACUUM ANALYZE communities');
    console.log(`VACUUM ANALYZE in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    // A rare token that does occur: five letters from one description.
    const rare = (
      await db.raw(
        `SELECT substring(description from ' ([a-z]{5}) $') AS w FROM communities WHERE description ~ ' [a-z]{5} $' LIMIT 1`,
      )
    ).rows[0]?.w;
    if (rare) QUERIES.push(rare);
    const { rows: sizes } =
      await db.raw(`SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c
      WHERE c.relname IN ('communities', 'communities_search_trgm_idx', 'communities_search_grams_idx', 'communities_member_count_idx') ORDER BY c.relname`);
    for (const s of sizes) console.log(`  ${s.relname}: ${s.size}`);
    console.log('\nquery            matches  plan                                         median ms');
    for (const q of QUERIES) {
      const words = searchWords(q);
      const { sql, bindings } = (
        searchCommunities(db, { words, limit: 21 }) as unknown as { toSQL(): { sql: string; bindings: unknown[] } }
      ).toSQL();
      const count = (
        await db.raw(
          `SELECT count(*)::int AS n FROM communities WHERE ${words.map(() => 'strpos(search_text, ?) > 0').join(' AND ')}`,
          words,
        )
      ).rows[0].n;
      const times: number[] = [];
      let plan = '';
      for (let i = 0; i < 6; i++) {
        const { rows } = await db.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, bindings as never);
        const top = rows[0]['QUERY PLAN'][0];
        if (i > 0) times.push(top['Execution Time']);
        const found = JSON.stringify(top.Plan).match(/"Index Name":"([a-z_]+)"/g) ?? ['seq scan'];
        plan = [...new Set(found.map((f) => f.replace(/"Index Name":"|"/g, '')))].join(' + ');
      }
      console.log(
        `${q.padEnd(16)} ${String(count).padStart(7)}  ${plan.padEnd(44)} ${median(times).toFixed(2).padStart(8)}`,
      );
    }
  } finally {
    await db.destroy();
    if (!process.env.KEEP_DB) await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
    if (embedded) await embedded.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
