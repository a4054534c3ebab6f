import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { createCommunity } from '../support/communities.js';
import { searchCommunities, searchWords } from '../../src/features/communities/queries.js';
import { COMMUNITY_CATEGORIES } from '../../src/features/communities/categories.js';

// SPEC §6: community search over names and descriptions, Japanese included. Correctness here; the
// plans (which index serves which word) are checked on the query's shape; the numbers at 100,000
// communities are in src/features/communities/CONTEXT.md (scripts/bench-community-search.ts).

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
  const owner = await createMember(t.db);
  const rows: [string, string, string][] = [
    ['猫好きの集まり', '猫と暮らす人のコミュニティです。', 'animals_pets'],
    ['ねこ部', 'ねこの写真を見せ合う部活。', 'animals_pets'],
    ['犬の会', 'いぬ派の集まり。猫は出てきません……と言いたいところ', 'animals_pets'],
    ['Jazz Lovers', 'We listen to jazz records every weekend.', 'music'],
    ['ＰＹＴＨＯＮ勉強会', '全角で書かれた名前', 'computers_internet'],
    ['ｶﾒﾗ散歩', '半角カナの名前', 'hobbies'],
    ['天体観測の夕べ', '星を見ます', 'hobbies'],
    ['100%果汁の会', 'ジュースの話', 'food_drink'],
    ['ラーメン', '東京 の ラーメン 屋さんを巡る', 'food_drink'],
    ['ニャンコ倶楽部', 'みんなで集まる', 'animals_pets'],
  ];
  for (const [name, description, category] of rows)
    await createCommunity(t.db, owner.id, { name, description, category });
  await t.db.raw('ANALYZE communities');
});
after(async () => {
  await t.drop();
});

async function names(q: string, category?: string) {
  const rows = await searchCommunities(t.db, { words: searchWords(q), category: category as never, limit: 50 });
  return rows.map((r) => r.name).sort();
}

test('search › 「猫」 (one kanji) finds names and descriptions containing it', async () => {
  assert.deepEqual(await names('猫'), ['犬の会', '猫好きの集まり'].sort());
});

test('search › 「ねこ」 (two kana) finds 「ねこ部」 and nothing that lacks the pair', async () => {
  assert.deepEqual(await names('ねこ'), ['ねこ部']);
  assert.deepEqual(await names('こ部'), ['ねこ部']);
});

test('search › hiragana and katakana find each other, full- and half-width alike', async () => {
  assert.deepEqual(await names('にゃんこ'), ['ニャンコ倶楽部']);
  assert.deepEqual(await names('ﾆｬﾝｺ'), ['ニャンコ倶楽部']);
  assert.deepEqual(await names('ネコ'), ['ねこ部']);
  assert.deepEqual(await names('ネ'), ['ねこ部'], 'one kana, through the unigram index');
  assert.deepEqual(await names('かめら'), ['ｶﾒﾗ散歩']);
  assert.deepEqual(await names('らーめん とうきょう'), [], 'kana never stands for kanji');
  assert.deepEqual(await names('らーめん 東京'), ['ラーメン']);
});

test('search › English words match in either case, in names and descriptions', async () => {
  assert.deepEqual(await names('jazz'), ['Jazz Lovers']);
  assert.deepEqual(await names('RECORDS'), ['Jazz Lovers']);
  assert.deepEqual(await names('ja'), ['Jazz Lovers']);
});

test('search › full-width and half-width forms match the usual ones (NFKC)', async () => {
  assert.deepEqual(await names('python'), ['ＰＹＴＨＯＮ勉強会']);
  assert.deepEqual(await names('カメラ'), ['ｶﾒﾗ散歩']);
  assert.deepEqual(await names('ｐｙｔｈｏｎ'), ['ＰＹＴＨＯＮ勉強会']);
});

test('search › several words must all appear; LIKE wildcards are plain characters', async () => {
  assert.deepEqual(await names('東京 ラーメン'), ['ラーメン']);
  assert.deepEqual(await names('東京　大阪'), []);
  assert.deepEqual(await names('100%'), ['100%果汁の会']);
  assert.deepEqual(await names('%'), ['100%果汁の会']);
  assert.deepEqual(await names('_'), []);
  assert.deepEqual(await names('天体観測'), ['天体観測の夕べ']);
  assert.deepEqual(await names('体観測の'), ['天体観測の夕べ']);
});

test('search › a category narrows the results; no words lists the category by member count', async () => {
  assert.deepEqual(await names('の', 'food_drink'), ['100%果汁の会', 'ラーメン'].sort());
  assert.deepEqual(await names('', 'music'), ['Jazz Lovers']);
});

test("search › the query's expressions match the indexes: bigrams for 1–2 characters, trigrams for longer words", async () => {
  // With plain and index scans off, only a bitmap scan of an index the WHERE clause matches is left.
  const plan = (q: string) =>
    t.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      await trx.raw('SET LOCAL enable_indexscan = off');
      const { sql, bindings } = (
        searchCommunities(trx, { words: searchWords(q), limit: 21 }) as unknown as {
          toSQL(): { sql: string; bindings: unknown[] };
        }
      ).toSQL();
      const { rows } = await trx.raw(`EXPLAIN (FORMAT JSON) ${sql}`, bindings as never);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    });
  for (const q of ['猫', 'ねこ', 'ネコ', 'ja'])
    assert.match(await plan(q), /"Index Name":"communities_search_grams_idx"/, q);
  for (const q of ['天体観測', 'python']) assert.match(await plan(q), /"Index Name":"communities_search_trgm_idx"/, q);
});

test('categories › every category in the code is accepted by the CHECK, and no other', async () => {
  const owner = await createMember(t.db);
  for (const category of COMMUNITY_CATEGORIES)
    await createCommunity(t.db, owner.id, { name: `c-${category}`, category });
  await assert.rejects(
    createCommunity(t.db, owner.id, { name: 'x', category: 'weapons' }),
    /communities_category_check/,
  );
  assert.ok(COMMUNITY_CATEGORIES.length >= 20);
});
