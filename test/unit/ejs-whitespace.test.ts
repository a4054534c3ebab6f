import { test } from 'node:test';
import assert from 'node:assert/strict';
import ejs from 'ejs';

// How a template's code lines can be indented without a byte on the page (src/http/MOBILE.md,
// "Laying out a template"): EJS's whitespace-slurping tags, on by default, no option needed. An EJS
// upgrade that changed them would change the mobile pages' bytes.

test('EJS › <%_ … _%> lines leave nothing on the page, the text lines keep their own indentation', () => {
  const tpl = '<ul>\n  <%_ for (const x of items) { _%>\n  <li><%= x %></li>\n  <%_ } _%>\n</ul>\n';
  assert.equal(ejs.render(tpl, { items: [1, 2] }), '<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n');
});

test('EJS › -%> drops the line break after the tag; <%# … -%> a whole comment line', () => {
  const tpl = '<%# what this page is -%>\n<% if (a) { -%>\n<b>flat</b>\n<% } -%>\n<p>end</p>';
  assert.equal(ejs.render(tpl, { a: true }), '<b>flat</b>\n<p>end</p>');
});

test('EJS › without those tags, a code line leaves its indentation and line break (why the app sets no rmWhitespace: it would change every page)', () => {
  assert.equal(ejs.render('<p>\n  <% if (a) { %>\n  x\n  <% } %>\n</p>', { a: true }), '<p>\n  \n  x\n  \n</p>');
});
