import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { budgetPages, excerpt, splitText, textPart } from '../../src/lib/text-parts.js';
import {
  decodeShiftJis,
  encodeShiftJis,
  encodeShiftJisComponent,
  fitShiftJis,
  parseShiftJisForm,
  parseShiftJisQuery,
} from '../../src/http/shift-jis.js';
import { mobileUrlFor, pageTable } from '../../src/http/mobile.js';

// The pure pieces of the mobile site: long texts in parts, Shift_JIS in and out, PC → mobile URLs.

test('text parts › the parts of a text join back to exactly the text, none longer than asked', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), fc.integer({ min: 10, max: 500 }), (text, max) => {
      const parts = splitText(text, max);
      assert.equal(parts.join(''), text);
      for (const p of parts) assert.ok([...p].length <= max);
      if (text.length) assert.ok(parts.every((p) => p.length > 0));
    }),
  );
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

test('shift_jis › fitting a page: Shift_JIS characters kept; shown text gets look-alikes, references, no shaping marks; form fields get exact references', () => {
  assert.equal(fitShiftJis('<p class="x">日本語ｶﾅ①髙¥</p>'), '<p class="x">日本語ｶﾅ①髙¥</p>');
  assert.equal(fitShiftJis('〜−—😀👍🏻❤️𠮷'), '～－―&#128512;&#128077;&#10084;&#134071;');
  // What a form sends back (attribute values, a textarea's text) is every character, exactly.
  assert.equal(
    fitShiftJis('<input value="山田𠮷ｱｲｳ①🍣〜❤️">〜'),
    '<input value="山田&#134071;ｱｲｳ①&#127843;&#12316;&#10084;&#65039;">～',
  );
  assert.equal(
    fitShiftJis('<TEXTAREA name="b">&amp;〜👍🏻\n①</TEXTAREA>〜'),
    '<TEXTAREA name="b">&amp;&#12316;&#128077;&#127995;\n①</TEXTAREA>～',
  );
  // Escaped text stays as it was: only non-ASCII characters are touched.
  assert.equal(fitShiftJis('&amp;#128512; &lt;b&gt; &#34;'), '&amp;#128512; &lt;b&gt; &#34;');
  // A field's references decode back to the field's text, whatever it holds.
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => {
      const escaped = text.replace(/&/g, '&amp;').replace(/"/g, '&#34;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const sent = /value="([^"]*)"/.exec(iconv.decode(encodeShiftJis(`<input value="${escaped}">`), 'Shift_JIS'))![1];
      const read = sent.replace(/&(?:#(\d+)|(amp|lt|gt));/g, (_r, cp, name) =>
        cp ? String.fromCodePoint(Number(cp)) : { amp: '&', lt: '<', gt: '>' }[name as 'amp']!,
      );
      assert.equal(read.replace(/\\/g, '¥').replace(/~/g, '‾'), text.replace(/\\/g, '¥').replace(/~/g, '‾'));
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      const fitted = fitShiftJis(text);
      // Everything fitted survives the trip through Shift_JIS (¥ comes back as the byte it shares with \).
      assert.equal(iconv.decode(encodeShiftJis(text), 'Shift_JIS'), fitted.replace(/¥/g, '\\').replace(/‾/g, '~'));
    }),
  );
});

test('shift_jis › a form body: percent-escaped Shift_JIS bytes, + for spaces, repeated names as arrays, carrier emoji as 〓', () => {
  const enc = (s: string) =>
    [...iconv.encode(s, 'Shift_JIS')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const body = Buffer.from(`title=${enc('日本語の日記です')}&body=a+b%2Bc&x=1&x=2&empty=&flag&emoji=%F8%9F&bad=%zz%4`);
  const form = parseShiftJisForm(body, 100);
  assert.deepEqual(
    { ...form },
    { title: '日本語の日記です', body: 'a b+c', x: ['1', '2'], empty: '', flag: '', emoji: '〓', bad: '%zz%4' },
  );
  assert.equal(Object.getPrototypeOf(form), null);
  assert.throws(() => parseShiftJisForm(Buffer.from('a=1&b=2&c=3'), 2), { status: 413 });
  assert.equal(decodeShiftJis(Buffer.from([0x82, 0xa0])), 'あ');
  // What a browser could not encode arrives as character references: turned back into characters.
  // A private-use character comes back as itself when named by a reference (our page sent it so); as bytes it is a carrier emoji, 〓.
  assert.equal(
    decodeShiftJis(Buffer.from('&#12316;&#128512;&#x1F44D;&#0;&#55296;&#57344;&#99999999;')),
    '〜😀👍&#0;&#55296;\uE000&#99999999;',
  );
});

test('shift_jis › a query string from a handset: Shift_JIS escapes and references, shaped as Express shapes queries; link values escaped the same way', () => {
  const query = parseShiftJisQuery(`q=${encodeShiftJisComponent('猫 🍣&=')}&q=%82%B3%82%AD%82%E7&raw=\x94L&e=%F8%9F`);
  assert.deepEqual({ ...query }, { q: ['猫 🍣&=', 'さくら'], raw: '猫', e: '〓' });
  assert.equal(Object.getPrototypeOf(query), null);
  assert.equal(encodeShiftJisComponent('猫 ①ｱ'), '%94L%20%87%40%B1');
  assert.equal(encodeShiftJisComponent('🍣'), '%26%23127843%3B');
  // More than Express's 1,000 fields: the rest are ignored, as node:querystring does.
  assert.equal(
    Object.keys(parseShiftJisQuery(Array.from({ length: 1200 }, (_, i) => `f${i}=1`).join('&'))).length,
    1000,
  );
});

test('urls › a PC URL becomes its mobile twin where there is one, else the nearest mobile page marked with the PC URL', () => {
  const pages = {
    pc: pageTable([
      '/home',
      '/settings',
      '/settings/feeds',
      '/communities/new',
      '/communities/:id',
      '/diaries/:id',
      '/diaries/:id/edit',
      '/members/:id/diaries',
    ]),
    mobile: pageTable([
      '/home',
      '/settings',
      '/communities/:id',
      '/diaries/:id',
      '/diaries/:id/comments',
      '/members/:id/diaries',
    ]),
  };
  assert.equal(mobileUrlFor(pages, '/'), '/m/');
  assert.equal(mobileUrlFor(pages, '/?withdrawn=1'), '/m/?withdrawn=1');
  assert.equal(mobileUrlFor(pages, '/diaries/12#comment-3'), '/m/diaries/12#comment-3');
  assert.equal(
    mobileUrlFor(pages, '/diaries/12/comments?after=3'),
    '/m/diaries/12/comments?after=3',
    'a mobile-only page',
  );
  assert.equal(mobileUrlFor(pages, '/members/5/diaries?before=x'), '/m/members/5/diaries?before=x');
  assert.equal(mobileUrlFor(pages, '/members/5/diaries/'), '/m/members/5/diaries/');
  assert.equal(mobileUrlFor(pages, '/settings/feeds'), '/m/settings?pc=%2Fsettings%2Ffeeds');
  assert.equal(mobileUrlFor(pages, '/diaries/12/edit?x=1#y'), '/m/diaries/12?pc=%2Fdiaries%2F12%2Fedit%3Fx%3D1');
  assert.equal(
    mobileUrlFor(pages, '/communities/new'),
    '/m/home?pc=%2Fcommunities%2Fnew',
    'not /m/communities/:id, which would 404',
  );
  assert.equal(mobileUrlFor(pages, '/no/such/page'), '/m/home');
  for (const kept of ['/m/home', '/m', '/m/', '/m?x=1']) assert.equal(mobileUrlFor(pages, kept), kept);
  for (const away of [
    'https://example.jp/',
    '//evil.example/x',
    '/\\evil.example/x',
    '/\t/evil.example',
    ' /x',
    'javascript:alert(1)',
    '',
  ])
    assert.equal(mobileUrlFor(pages, away), '/m/home', away);
});
