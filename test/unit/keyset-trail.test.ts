import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keysetTrail } from '../../src/lib/pages.js';

// 「前へ」 on keyset lists of the mobile site: the way back is remembered in the links.

/** The query string of page n's position (what keysetPage would make): the first page has none. */
const cursor = (n: number) => (n === 1 ? '' : `q=%E7%8C%AB&before_at=2026-01-0${n}T00%3A00%3A00.000Z&before_id=${n}`);

test('keyset trail › forward from the first page, every 「前へ」 leads to exactly the page before as long as it is remembered, then 「最初へ」', () => {
  // Forward: page n's query string as the previous page's next link made it.
  const urls = [cursor(1)];
  for (let n = 2; n <= 9; n++) urls.push(keysetTrail(urls[n - 2], `?${cursor(n)}`).next!);
  for (const [i, url] of urls.entries())
    assert.ok(url.startsWith(cursor(i + 1)), `page ${i + 1} is at its own position`);
  assert.ok(Math.max(...urls.map((u) => u.length)) < 400, 'the links stay short enough for a handset');
  assert.equal(keysetTrail(urls[0], '?x').prev, null, 'the first page has no 「前へ」');
  assert.equal(keysetTrail(urls[0], '?x').first, null);
  assert.equal(keysetTrail(urls[1], null).prev, '', 'page 2 leads back to the first page');
  // Back from page 9, one page at a time, as far as the trail goes; then 「最初へ」 to the first page.
  let url = urls[8];
  const visited: number[] = [];
  for (;;) {
    const links = keysetTrail(url, '?more');
    if (links.prev === null) {
      assert.equal(links.first, cursor(1));
      break;
    }
    url = links.prev;
    visited.push(urls.findIndex((u) => u.split('&trail=')[0] === url.split('&trail=')[0]) + 1);
  }
  assert.deepEqual(visited, [8, 7]);
  // From page 4 (all remembered) back to the first page.
  url = urls[3];
  const back: string[] = [];
  for (let links = keysetTrail(url, null); links.prev !== null; links = keysetTrail(links.prev, null))
    back.push(links.prev.split('&trail=')[0]);
  assert.deepEqual(back, [cursor(3), cursor(2), cursor(1)]);
});

test('keyset trail › a trail the site did not write is ignored: no 「前へ」, and nothing but query strings of this list', () => {
  for (const bad of ['trail=%E0%A4%A', 'trail=a%23b', 'trail=trail%3Dx', 'trail=a%20b']) {
    const links = keysetTrail(`before_id=5&${bad}`, '?before_id=3');
    assert.equal(links.prev, null, bad);
    assert.equal(links.first, null, bad);
    assert.equal(links.next, 'before_id=3&trail=before_id%3D5', bad);
  }
});
