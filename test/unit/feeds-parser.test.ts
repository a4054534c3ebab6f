import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { parseFeedBody, plainTextOf, decodeFeedBody } from '../../src/features/feeds/parser.js';
import { FeedFetchError } from '../../src/features/feeds/fetcher.js';

const RSS1_SJIS = `<?xml version="1.0" encoding="Shift_JIS"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="http://neko.example.jp/">
    <title>ねこ日和～①</title>
    <link>http://neko.example.jp/</link>
    <description>猫のブログ</description>
    <items><rdf:Seq>
      <rdf:li rdf:resource="http://neko.example.jp/entry/2"/>
      <rdf:li rdf:resource="http://neko.example.jp/entry/1"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="http://neko.example.jp/entry/2">
    <title>髙橋さんちの猫が来た</title>
    <link>http://neko.example.jp/entry/2</link>
    <description>&lt;p&gt;今日は&lt;b&gt;雨&lt;/b&gt;でした。&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description>
    <dc:date>2024-05-02T21:30:00+09:00</dc:date>
  </item>
  <item rdf:about="http://neko.example.jp/entry/1">
    <title>はじめまして</title>
    <link>http://neko.example.jp/entry/1</link>
    <content:encoded><![CDATA[<p>よろしく<br>お願いします &amp; ありがとう</p>]]></content:encoded>
    <dc:date>2024-05-01T09:00:00+09:00</dc:date>
  </item>
</rdf:RDF>`;

test('feed parser › RSS 1.0 (RDF) declared Shift_JIS is decoded from its bytes', () => {
  const body = iconv.encode(RSS1_SJIS, 'Shift_JIS');
  assert.notDeepEqual(body, Buffer.from(RSS1_SJIS, 'utf8'), 'the sample really is Shift_JIS bytes');
  // No charset in the Content-Type: the XML declaration decides.
  const feed = parseFeedBody(body, 'application/rdf+xml');
  assert.equal(feed.title, 'ねこ日和～①');
  assert.deepEqual(
    feed.entries.map((e) => ({ ...e, publishedAt: e.publishedAt?.toISOString() })),
    [
      {
        guid: 'http://neko.example.jp/entry/2',
        title: '髙橋さんちの猫が来た',
        link: 'http://neko.example.jp/entry/2',
        summary: '今日は雨でした。',
        publishedAt: '2024-05-02T12:30:00.000Z',
      },
      {
        guid: 'http://neko.example.jp/entry/1',
        title: 'はじめまして',
        link: 'http://neko.example.jp/entry/1',
        summary: 'よろしく お願いします & ありがとう',
        publishedAt: '2024-05-01T00:00:00.000Z',
      },
    ],
  );
});

test('feed parser › RSS 2.0 declared UTF-8: guid, pubDate, plain-text summary of at most 200 characters', () => {
  const long = 'あ'.repeat(300);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>日々のこと</title><link>https://hibi.example.jp/</link><description>x</description>
  <item><title>週末の&amp;lt;b&amp;gt;京都&amp;lt;/b&amp;gt;</title><link>https://hibi.example.jp/p/10</link><guid isPermaLink="false">post-10</guid>
    <pubDate>Sat, 04 May 2024 18:00:00 +0900</pubDate><description><![CDATA[<img src="x" onerror="alert(1)">${long}]]></description></item>
  <item><title>危ないリンク</title><link>javascript:alert(1)</link><guid>post-9</guid><description>x</description></item>
  <item><title>重複</title><link>https://hibi.example.jp/p/10</link><guid isPermaLink="false">post-10</guid><description>again</description></item>
</channel></rss>`;
  const feed = parseFeedBody(Buffer.from(xml, 'utf8'), 'application/rss+xml; charset=UTF-8');
  assert.equal(feed.title, '日々のこと');
  assert.equal(feed.entries.length, 1, 'the javascript: link is dropped, the duplicate guid kept once');
  const [e] = feed.entries;
  assert.equal(e.guid, 'post-10');
  assert.equal(e.title, '週末の京都');
  assert.equal(e.link, 'https://hibi.example.jp/p/10');
  assert.equal(e.publishedAt?.toISOString(), '2024-05-04T09:00:00.000Z');
  assert.equal([...e.summary].length, 200);
  assert.ok(e.summary.endsWith('…'));
  assert.doesNotMatch(e.summary, /[<>]|onerror/);
});

test('feed parser › Atom: id, alternate link resolved against the feed, updated as the date', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom の日記</title><link href="https://atom.example.jp/"/>
  <id>tag:atom.example.jp,2024:feed</id><updated>2024-05-03T00:00:00Z</updated>
  <entry><title type="html">&lt;em&gt;桜&lt;/em&gt; が咲いた</title><link rel="alternate" href="/2024/05/sakura"/>
    <id>tag:atom.example.jp,2024:1</id><updated>2024-05-03T00:00:00Z</updated>
    <summary type="html">&lt;p&gt;満開でした&lt;/p&gt;</summary></entry>
</feed>`;
  const feed = parseFeedBody(Buffer.from(xml), 'application/atom+xml');
  assert.deepEqual(
    feed.entries.map((e) => ({ ...e, publishedAt: e.publishedAt?.toISOString() })),
    [
      {
        guid: 'tag:atom.example.jp,2024:1',
        title: '桜 が咲いた',
        link: 'https://atom.example.jp/2024/05/sakura',
        summary: '満開でした',
        publishedAt: '2024-05-03T00:00:00.000Z',
      },
    ],
  );
});

test('feed parser › EUC-JP named by the Content-Type charset is decoded', () => {
  const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>北海道だより</title><link>http://do.example.jp/</link><description>x</description>
<item><title>雪まつり</title><link>http://do.example.jp/1</link><description>札幌は寒い</description></item></channel></rss>`;
  const feed = parseFeedBody(iconv.encode(xml, 'EUC-JP'), 'text/xml; charset=EUC-JP');
  assert.equal(feed.title, '北海道だより');
  assert.equal(feed.entries[0].title, '雪まつり');
  assert.equal(feed.entries[0].summary, '札幌は寒い');
});

test('feed parser › a UTF-8 byte-order mark wins over a wrong declaration', () => {
  const xml =
    '<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><title>正しいUTF-8</title></channel></rss>';
  assert.match(decodeFeedBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]), null), /正しいUTF-8/);
});

test('feed parser › an HTML page or garbage is not a feed', () => {
  for (const body of [
    '<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>',
    'not xml at all',
    '',
  ]) {
    assert.throws(
      () => parseFeedBody(Buffer.from(body), 'text/html'),
      (e) => e instanceof FeedFetchError && e.code === 'not_a_feed',
    );
  }
});

test('plainTextOf › tags, scripts and styles go; entities are decoded once; whitespace collapses', () => {
  assert.equal(plainTextOf('<p>a&amp;b</p><script>evil()</script><style>p{}</style>\n\n<div>c&lt;d</div>'), 'a&b c<d');
  assert.equal(plainTextOf('"><img src=x onerror=alert(1)>x'), '"> x');
});
