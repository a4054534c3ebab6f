import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { budgetPages, excerpt, splitText, textPart } from '../../src/lib/text-parts.js';
import { decodeShiftJis, encodeShiftJis, fitShiftJis, parseShiftJisForm } from '../../src/http/shift-jis.js';
import { mobileUrlFor, routeMatcher } from '../../src/http/mobile.js';

// The pure pieces of the mobile site: long texts in parts, Shift_JIS in and out, PC → mobile URLs.

test('text parts › the parts of a text join back to exactly the text, none longer than asked', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), fc.integer({ min: 10, max: 500 }), (text, max) => {
    const parts = splitText(text, max);
    assert.equal(parts.join(''), text);
    for (const p of parts) assert.ok([...p].length <= max);
    if (text.length) assert.ok(parts.every((p) => p.length > 0));
  }));
});

test('text parts › a part ends at a line break or a sentence when one is near its end', () => {
  const text = `${'あ'.repeat(80)}。${'い'.repeat(30)}\n${'う'.repeat(100)}`;
  assert.equal(splitText(text, 120)[0], `${'あ'.repeat(80)}。${'い'.repeat(30)}\n`);
  assert.equal(splitText(`${'あ'.repeat(90)}。${'い'.repeat(100)}`, 120)[0], `${'あ'.repeat(90)}。`);
  assert.deepEqual(textPart('短い', 100, 5), { text: '短い', part: 1, parts: 1 });
  assert.equal(excerpt('一行目\n二行目の文章です', 6), '一行目 二行…');
});

test('text parts › pages by budget: at most n items, texts within the budget, an over-long item alone', () => {
  const pages = budgetPages([5, 5, 5, 20, 1, 1, 1, 1], (n) => n, 10, 3);
  assert.deepEqual(pages, [[5, 5], [5], [20], [1, 1, 1], [1]]);
});

test('shift_jis › fitting a text: Shift_JIS characters kept, look-alikes swapped, the rest 〓, shaping marks dropped', () => {
  assert.equal(fitShiftJis('<p class="x">日本語ｶﾅ①髙¥</p>'), '<p class="x">日本語ｶﾅ①髙¥</p>');
  assert.equal(fitShiftJis('〜−—😀👍🏻❤️𠮷'), '～－―〓〓〓〓');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
    const fitted = fitShiftJis(text);
    // Everything fitted survives the trip through Shift_JIS (¥ comes back as the byte it shares with \).
    assert.equal(iconv.decode(encodeShiftJis(text), 'Shift_JIS'), fitted.replace(/¥/g, '\\').replace(/‾/g, '~'));
  }));
});

test('shift_jis › a form body: percent-escaped Shift_JIS bytes, + for spaces, repeated names as arrays, carrier emoji as 〓', () => {
  const enc = (s: string) => [...iconv.encode(s, 'Shift_JIS')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const body = Buffer.from(`title=${enc('日本語の日記です')}&body=a+b%2Bc&x=1&x=2&empty=&flag&emoji=%F8%9F&bad=%zz%4`);
  const form = parseShiftJisForm(body, 100);
  assert.deepEqual({ ...form }, { title: '日本語の日記です', body: 'a b+c', x: ['1', '2'], empty: '', flag: '', emoji: '〓', bad: '%zz%4' });
  assert.equal(Object.getPrototypeOf(form), null);
  assert.throws(() => parseShiftJisForm(Buffer.from('a=1&b=2&c=3'), 2), { status: 413 });
  assert.equal(decodeShiftJis(Buffer.from([0x82, 0xa0])), 'あ');
  // What a browser could not encode arrives as character references: turned back into characters.
  assert.equal(decodeShiftJis(Buffer.from('&#12316;&#128512;&#x1F44D;&#0;&#55296;&#57344;&#99999999;')), '〜😀👍&#0;&#55296;〓&#99999999;');
});

test('urls › a PC URL becomes its mobile twin where there is one', () => {
  const hasPage = routeMatcher(['/home', '/diaries/:id', '/members/:id/diaries']);
  assert.equal(mobileUrlFor(hasPage, '/'), '/m/');
  assert.equal(mobileUrlFor(hasPage, '/?withdrawn=1'), '/m/?withdrawn=1');
  assert.equal(mobileUrlFor(hasPage, '/diaries/12#comment-3'), '/m/diaries/12#comment-3');
  assert.equal(mobileUrlFor(hasPage, '/members/5/diaries?before=x'), '/m/members/5/diaries?before=x');
  assert.equal(mobileUrlFor(hasPage, '/members/5/diaries/'), '/m/members/5/diaries/');
  assert.equal(mobileUrlFor(hasPage, '/settings/feeds'), '/m/home');
  assert.equal(mobileUrlFor(hasPage, '/diaries/12/edit'), '/m/home');
  for (const kept of ['/m/home', '/m', '/m/', 'https://example.jp/', '//evil.example/x']) assert.equal(mobileUrlFor(hasPage, kept), kept);
});
