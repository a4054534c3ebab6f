import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cutToWidth, displayWidth } from '../../src/lib/text-parts.js';

// Titles and names in mobile lists are cut to a line by columns, as carrier pages did: full-width
// characters take two columns, half-width ones one.

test('displayWidth › full-width 2, half-width 1, one emoji or combined character 2', () => {
  assert.equal(displayWidth('abc 12'), 6);
  assert.equal(displayWidth('あいう漢字'), 10);
  assert.equal(displayWidth('ｱｲｳ'), 3);
  assert.equal(displayWidth('①～'), 4);
  assert.equal(displayWidth('👨‍👩‍👧'), 2);
  assert.equal(displayWidth('が'), 2);
  assert.equal(displayWidth('か\u3099'), 2, 'a combining sound mark adds nothing');
});

test('cutToWidth › a title that fits is left whole; a longer one ends with 「…」 within the columns', () => {
  assert.equal(cutToWidth('週末は鎌倉へ', 24), '週末は鎌倉へ');
  assert.equal(cutToWidth('あ'.repeat(12), 24), 'あ'.repeat(12), 'exactly 24 columns fits');
  assert.equal(cutToWidth('あ'.repeat(13), 24), `${'あ'.repeat(11)}…`);
  assert.equal(cutToWidth('Day1 週末は鎌倉へ、長谷寺と大仏と江ノ電', 24), 'Day1 週末は鎌倉へ、長…');
  assert.equal(cutToWidth('a'.repeat(30), 24), `${'a'.repeat(22)}…`);
  assert.equal(cutToWidth('一行目\n二行目', 24), '一行目 二行目', 'on one line');
  assert.equal(cutToWidth('🍣'.repeat(20), 24), `${'🍣'.repeat(11)}…`, 'never half an emoji');
});

test('cutToWidth › always within the columns, and a prefix of the text (on one line) plus 「…」', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.integer({ min: 4, max: 40 }), (text, columns) => {
      const flat = text.replace(/\s+/g, ' ').trim();
      const cut = cutToWidth(text, columns);
      assert.ok(displayWidth(cut) <= columns, `${JSON.stringify(cut)} is ${displayWidth(cut)} columns`);
      if (cut === flat) return;
      assert.ok(cut.endsWith('…'));
      assert.ok(flat.startsWith(cut.slice(0, -1)));
    }),
  );
});
