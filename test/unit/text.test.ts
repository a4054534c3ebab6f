import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, formatTextHtml } from '../../src/lib/text.js';

test('formatTextHtml › escapes markup and keeps line breaks', () => {
  assert.equal(
    formatTextHtml('<script>alert(1)</script>\n"x"'),
    '&lt;script&gt;alert(1)&lt;/script&gt;<br>\n&quot;x&quot;',
  );
});

test('formatTextHtml › links http(s) URLs with rel=nofollow noopener noreferrer', () => {
  const html = formatTextHtml('見て https://example.jp/a?b=1&c=2 です');
  assert.equal(
    html,
    '見て <a href="https://example.jp/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">https://example.jp/a?b=1&amp;c=2</a> です',
  );
});

test('formatTextHtml › never links javascript: and cannot break out of the attribute', () => {
  assert.equal(formatTextHtml('javascript:alert(1)'), 'javascript:alert(1)');
  const html = formatTextHtml('https://x.jp/"><img src=x onerror=alert(1)>');
  assert.ok(!html.includes('<img'), html);
  assert.ok(html.startsWith('<a href="https://x.jp/"'), html);
});

test('escapeHtml › escapes the five characters', () => {
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});
