import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { createCommunity } from '../support/communities.js';
import { foldForSearch } from '../../src/lib/search-text.js';
import { searchCommunities, searchWords } from '../../src/features/communities/queries.js';
import { searchMembers } from '../../src/features/profiles/queries.js';
import * as m063 from '../../migrations/063_search_fold.js';
import * as m064 from '../../migrations/064_members_nickname_search.js';
import * as m071 from '../../migrations/071_community_topics_search_text.js';

// Search folds kana and width on both sides (issue 17, item 15): the query in JavaScript
// (foldForSearch), the stored text in SQL (search_fold, migration 063). They must agree exactly.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

function* codePoints(from: number, to: number) {
  for (let c = from; c <= to; c++) yield String.fromCodePoint(c);
}

test('search_fold › agrees with foldForSearch on every kana, half-width form, enclosed number and a few mixed texts', async () => {
  const samples = [
    ...codePoints(0x3040, 0x30ff), // hiragana and katakana, iteration marks, ゟ ヿ
    ...codePoints(0x31f0, 0x31ff), // small katakana extensions
    ...codePoints(0xff01, 0xffef), // full-width ASCII, half-width katakana
    ...codePoints(0x2460, 0x24ff), // ①…, ⓐ…
    ...codePoints(0x3300, 0x33ff), // ㌀ ㍻ …
    'ﾆｬﾝｺ倶楽部',
    'ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ',
    'ヴァイオリン',
    '霞ヶ関',
    'ＰＹＴＨＯＮ勉強会',
    '山田𠮷ｱｲｳ①🍣',
    'Ünïcödé ÀÉ',
    'らーめん ラーメン',
  ];
  const { rows } = await t.db.raw('SELECT s, search_fold(s) AS folded FROM unnest(?::text[]) AS s', [samples]);
  const differ = (rows as { s: string; folded: string }[]).filter((r) => r.folded !== foldForSearch(r.s));
  assert.deepEqual(
    differ.map((r) => [r.s, r.folded, foldForSearch(r.s)]),
    [],
  );
  assert.equal(foldForSearch('ﾆｬﾝｺ'), 'にゃんこ');
  assert.equal(foldForSearch('ネコ'), 'ねこ');
  assert.equal(foldForSearch('①'), '1', 'NFKC: ① and 1 are one search character');
});

test('migrations 063–064 › fold the communities and members already stored', async () => {
  // Back to the schema before them, with rows written then; up again must fold those rows.
  // (071's topic column is folded with search_fold too: it goes first and comes back last.)
  await m071.down(t.db);
  await m064.down(t.db);
  await m063.down(t.db);
  const owner = await createMember(t.db, { nickname: 'ｱｲｳ①' });
  const id = await createCommunity(t.db, owner.id, {
    name: 'ニャンコ倶楽部',
    description: 'ﾈｺ',
    category: 'animals_pets',
  });
  const stored = async () => (await t.db('communities').select('search_text').where({ id }).first()).search_text;
  assert.equal(await stored(), 'ニャンコ倶楽部\nネコ', 'before: NFKC and case only');
  await m063.up(t.db);
  await m064.up(t.db);
  await m071.up(t.db);
  assert.equal(await stored(), 'にゃんこ倶楽部\nねこ');
  assert.equal(
    (await t.db('members').select('nickname_search').where({ id: owner.id }).first()).nickname_search,
    'あいう1',
  );
  assert.deepEqual(
    (await searchCommunities(t.db, { words: searchWords('にゃんこ'), limit: 10 })).map((r) => r.name),
    ['ニャンコ倶楽部'],
  );
  assert.deepEqual(
    (await searchMembers(t.db, { viewerId: owner.id, q: 'あいう', limit: 10 })).map((r) => r.nickname),
    ['ｱｲｳ①'],
  );
});

test("member search › the query's expressions match the indexes: bigrams for 1–2 characters, trigrams for longer", async () => {
  const viewer = await createMember(t.db);
  for (const nickname of ['ねこ太郎', 'ﾈｺ次郎', 'Python使い']) await createMember(t.db, { nickname });
  await t.db.raw('ANALYZE members');
  const plan = (q: string) =>
    t.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      await trx.raw('SET LOCAL enable_indexscan = off');
      const { sql, bindings } = (
        searchMembers(trx, { viewerId: viewer.id, q, limit: 21 }) as unknown as {
          toSQL(): { sql: string; bindings: unknown[] };
        }
      ).toSQL();
      const { rows } = await trx.raw(`EXPLAIN (FORMAT JSON) ${sql}`, bindings as never);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    });
  for (const q of ['ネコ', '猫', 'py'])
    assert.match(await plan(q), /"Index Name":"members_nickname_search_grams_idx"/, q);
  for (const q of ['python', 'ねこ太郎'])
    assert.match(await plan(q), /"Index Name":"members_nickname_search_trgm_idx"/, q);
  const found = async (q: string) =>
    (await searchMembers(t.db, { viewerId: viewer.id, q, limit: 21 })).map((r) => r.nickname).sort();
  assert.deepEqual(await found('ネコ'), ['ねこ太郎', 'ﾈｺ次郎'].sort());
  assert.deepEqual(await found('ねこ太'), ['ねこ太郎']);
  assert.deepEqual(await found('PYTHON'), ['Python使い']);
});
