import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { copyOf, createMessage, postMessage, sentId, subjectsIn } from '../support/messages.js';
import { loggedInHandset } from '../support/mobile.js';
import { unreadMessageCount } from '../../src/features/messages/counts.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** Two members, each logged in: the one who writes first and the one who receives. */
async function twoMembers(nicknames: string[] = []) {
  const [a, b] = await Promise.all(
    [0, 1].map((i) => createMember(app.db, nicknames[i] ? { nickname: nicknames[i] } : {})),
  );
  return { a, b, sender: await loggedInAgent(app, a), reader: await loggedInAgent(app, b) };
}

test('messages › sent from a profile, it is unread in the inbox and listed in sent; opening it marks it read', async () => {
  const { a, b, sender: ayumi, reader: botan } = await twoMembers(['あゆみ', 'ぼたん']);
  assert.match((await ayumi.get(`/members/${b.id}`)).text, new RegExp(`href="/messages/new\\?to=${b.id}"`));
  const compose = await ayumi.get(`/messages/new?to=${b.id}`);
  assert.equal(compose.status, 200);
  assert.match(textOf(compose.text), /宛先: ぼたん/);

  const res = await postMessage(ayumi, b.id, {
    subject: '週末のこと',
    body: '土曜に会えますか？\nhttps://example.jp/map',
  });
  assert.equal(res.status, 303);
  const id = sentId(res);
  const shown = await ayumi.follow(res);
  assert.match(textOf(shown.text), /ぼたんさんにメッセージを送りました/);
  assert.match(shown.text, /<a href="https:\/\/example.jp\/map" rel="nofollow noopener noreferrer">/);
  const row = await app
    .db('messages')
    .select('sender_id', 'recipient_id', 'subject', 'body', 'thread_id')
    .where({ id })
    .first();
  assert.deepEqual(row, {
    sender_id: a.id,
    recipient_id: b.id,
    subject: '週末のこと',
    body: '土曜に会えますか？\nhttps://example.jp/map',
    thread_id: id,
  });
  assert.deepEqual(await copyOf(app.db, a.id, id), { box: 'sent', read_at: null, trashed_at: null });

  const inbox = await botan.get('/messages');
  assert.deepEqual(subjectsIn(inbox.text), ['週末のこと']);
  assert.match(textOf(inbox.text), /未読 週末のこと/);
  assert.match(textOf(inbox.text), /受信箱 未読1/);
  assert.equal(await unreadMessageCount(app.db, b.id), 1);
  assert.deepEqual(subjectsIn((await ayumi.get('/messages/sent')).text), ['週末のこと']);
  assert.deepEqual(subjectsIn((await ayumi.get('/messages')).text), [], "the sender's inbox stays empty");

  const opened = await botan.get(`/messages/${id}`);
  assert.equal(opened.status, 200);
  assert.match(textOf(opened.text), /差出人 あゆみ 宛先 ぼたん/);
  assert.ok((await copyOf(app.db, b.id, id)).read_at instanceof Date);
  assert.equal(await unreadMessageCount(app.db, b.id), 0);
  assert.doesNotMatch(textOf((await botan.get('/messages')).text), /未読/);
});

test('messages › no read receipts: what the sender sees does not change when the message is read', async () => {
  const { a, b, sender, reader } = await twoMembers();
  const id = sentId(await postMessage(sender, b.id, { subject: '読んだ？' }));
  await sender.get(`/messages/${id}`); // takes the flash
  const before = [(await sender.get('/messages/sent')).text, (await sender.get(`/messages/${id}`)).text];
  await reader.get(`/messages/${id}`);
  assert.ok((await copyOf(app.db, b.id, id)).read_at);
  const after = [(await sender.get('/messages/sent')).text, (await sender.get(`/messages/${id}`)).text];
  assert.deepEqual(after, before);
  assert.doesNotMatch(textOf(after.join('')), /未読|既読/);
});

test('messages › a reply chain: each message shows the earlier ones the viewer still holds', async () => {
  const { a, b, sender: asahi, reader: banri } = await twoMembers(['あさひ', 'ばんり']);
  const first = sentId(await postMessage(asahi, b.id, { subject: 'お茶でも', body: 'いちばんめ' }));

  const replyPage = await banri.get(`/messages/${first}`);
  assert.match(replyPage.text, new RegExp(`href="/messages/new\\?reply_to=${first}"`));
  const compose = await banri.get(`/messages/new?reply_to=${first}`);
  assert.equal(compose.status, 200);
  assert.match(compose.text, /value="Re: お茶でも"/);
  assert.match(textOf(compose.text), /返信するメッセージ お茶でも .* いちばんめ/);
  const second = sentId(
    await postMessage(banri, a.id, { reply_to: String(first), subject: 'Re: お茶でも', body: 'にばんめ' }),
  );
  const third = sentId(
    await postMessage(asahi, b.id, { reply_to: String(second), subject: 'Re: お茶でも', body: 'さんばんめ' }),
  );
  assert.match((await asahi.get(`/messages/new?reply_to=${second}`)).text, /value="Re: お茶でも"/, 'Re: only once');

  const threads = await app
    .db('messages')
    .select('id', 'thread_id')
    .whereIn('id', [first, second, third])
    .orderBy('id');
  assert.deepEqual(
    threads.map((t) => t.thread_id),
    [first, first, first],
  );
  const earlier = (html: string) => textOf(html.split('これまでのやりとり')[1] ?? '');
  assert.match(earlier((await banri.get(`/messages/${third}`)).text), /にばんめ .* いちばんめ/);
  assert.match(earlier((await asahi.get(`/messages/${second}`)).text), /いちばんめ/);
  assert.doesNotMatch(earlier((await asahi.get(`/messages/${second}`)).text), /さんばんめ/, 'only earlier messages');
  assert.doesNotMatch((await asahi.get(`/messages/${first}`)).text, /これまでのやりとり/);

  // Banri deletes the first message: it leaves Banri's chain, not Asahi's.
  assert.equal((await banri.post(`/messages/${first}/delete`, {}, { tokenFrom: `/messages/${first}` })).status, 303);
  const banriChain = earlier((await banri.get(`/messages/${third}`)).text);
  assert.match(banriChain, /にばんめ/);
  assert.doesNotMatch(banriChain, /いちばんめ/);
  assert.match(earlier((await asahi.get(`/messages/${third}`)).text), /にばんめ .* いちばんめ/);
});

test('messages › empty or too long fields are a 422 with the form kept; nothing is sent', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const agent = await loggedInAgent(app, a);
  const empty = await postMessage(agent, b.id, { subject: ' ', body: '消えないで' });
  assert.equal(empty.status, 422);
  assert.match(textOf(empty.text), /件名を入力してください/);
  assert.match(empty.text, />消えないで<\/textarea>/);
  assert.match(empty.text, new RegExp(`name="to" value="${b.id}"`));
  const long = await postMessage(agent, b.id, { subject: 'あ'.repeat(101), body: 'い'.repeat(5001) });
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /件名は100文字以内/);
  assert.match(textOf(long.text), /本文は5,000文字以内/);
  assert.match(long.text, /value="あああ/);
  const newline = await postMessage(agent, b.id, { subject: '一行目\n二行目', body: '' });
  assert.equal(newline.status, 422);
  assert.match(textOf(newline.text), /件名に改行は使えません/);
  assert.match(textOf(newline.text), /本文を入力してください/);
  const exact = await postMessage(agent, b.id, { subject: 'あ'.repeat(100), body: 'い'.repeat(5000) });
  assert.equal(exact.status, 303, 'the limits themselves are allowed');
  assert.equal((await app.db('messages').where({ sender_id: a.id })).length, 1);
});

test('messages › markup in the subject and body is inert on the inbox, sent, message and reply pages', async () => {
  const { a, b, sender, reader } = await twoMembers();
  const subject = '"><img src=x onerror=alert(1)>';
  const body = '<script>alert(1)</script>\n</textarea><b>太字</b> javascript:alert(1)';
  const id = sentId(await postMessage(sender, b.id, { subject, body }));
  const pages = [
    await reader.get('/messages'),
    await sender.get('/messages/sent'),
    await reader.get(`/messages/${id}`),
    await reader.get(`/messages/new?reply_to=${id}`),
  ];
  for (const page of pages) {
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /<img src=x|<script>alert|<b>太字/);
    assert.match(page.text, /(&quot;|&#34;)&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
  }
  assert.match(pages[2].text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(pages[2].text, /href="javascript:/);
});

test("messages › trash, restore and delete act on one's own copy; the other side keeps theirs", async () => {
  const { a, b, sender, reader } = await twoMembers();
  const id = sentId(await postMessage(sender, b.id, { subject: 'すてるもの' }));
  assert.equal(await unreadMessageCount(app.db, b.id), 1);

  const trashed = await reader.post(`/messages/${id}/trash`, {}, { tokenFrom: '/messages' });
  assert.equal(trashed.status, 303);
  assert.equal(trashed.location, '/messages');
  assert.match(textOf((await reader.follow(trashed)).text), /ゴミ箱に移しました/);
  assert.deepEqual(subjectsIn((await reader.get('/messages')).text), []);
  assert.deepEqual(subjectsIn((await reader.get('/messages/trash')).text), ['すてるもの']);
  assert.equal(await unreadMessageCount(app.db, b.id), 0, 'trashed mail is not waiting in the inbox');
  assert.equal((await reader.post(`/messages/${id}/trash`, {})).status, 303, 'twice is fine');

  assert.equal((await reader.post(`/messages/${id}/restore`, {})).status, 303);
  assert.deepEqual(subjectsIn((await reader.get('/messages')).text), ['すてるもの']);
  assert.equal(await unreadMessageCount(app.db, b.id), 1, 'still unread after coming back');

  await reader.post(`/messages/${id}/trash`, {});
  const deleted = await reader.post(`/messages/${id}/delete`, {}, { tokenFrom: `/messages/${id}` });
  assert.equal(deleted.status, 303);
  assert.equal(deleted.location, '/messages/trash');
  assert.equal(await copyOf(app.db, b.id, id), undefined);
  assert.equal((await reader.get(`/messages/${id}`)).status, 404);
  assert.deepEqual(subjectsIn((await reader.get('/messages/trash')).text), []);
  assert.equal((await sender.get(`/messages/${id}`)).status, 200, 'the sender still has theirs');
  assert.deepEqual(subjectsIn((await sender.get('/messages/sent')).text), ['すてるもの']);

  assert.equal(
    (await sender.post(`/messages/${id}/delete`, {}, { tokenFrom: `/messages/${id}` })).location,
    '/messages/sent',
  );
  assert.equal(await app.db('messages').where({ id }).first(), undefined, 'nobody holds it any more: the text is gone');
});

test('messages › folders are 20 a page, newest first, with a link to the next page', async () => {
  const a = await createMember(app.db, { nickname: 'たくさん' });
  const b = await createMember(app.db);
  const start = Date.parse('2026-03-01T00:00:00Z');
  for (let i = 1; i <= 25; i++)
    await createMessage(app.db, a.id, b.id, { subject: `件名${i}`, created_at: new Date(start + i * 60_000) });
  const reader = await loggedInAgent(app, b);
  const first = await reader.get('/messages');
  assert.deepEqual(
    subjectsIn(first.text),
    Array.from({ length: 20 }, (_, i) => `件名${25 - i}`),
  );
  const next = /<a href="(\?before=[^"]+)">次の20件<\/a>/.exec(first.text);
  assert.ok(next, 'a next link');
  const second = await reader.get(`/messages${next[1].replace(/&amp;/g, '&')}`);
  assert.deepEqual(subjectsIn(second.text), ['件名5', '件名4', '件名3', '件名2', '件名1']);
  assert.doesNotMatch(second.text, /次の20件/);
  assert.match(second.text, /最新に戻る/);
  assert.equal(
    (await reader.get('/messages?before=nonsense&before_id=-1')).status,
    200,
    'odd paging is the first page',
  );
  const sender = await loggedInAgent(app, a);
  assert.equal(subjectsIn((await sender.get('/messages/sent')).text).length, 20);
});

test('messages › the inbox names each sender with a link to their profile (PC and mobile); a withdrawn sender is plain text', async () => {
  const { a, b, reader } = await twoMembers(['さえ', 'しおり']);
  const gone = await createMember(app.db, { nickname: '退会した人' });
  await createMessage(app.db, a.id, b.id, { subject: 'やあ' });
  await createMessage(app.db, gone.id, b.id, { subject: 'さようなら' });
  await app.db('members').where({ id: gone.id }).update({ status: 'withdrawn', withdrawn_at: new Date() });
  const inbox = (await reader.get('/messages')).text;
  assert.match(inbox, new RegExp(`<a href="/members/${a.id}">さえ</a>`));
  assert.match(textOf(inbox), /退会した人/);
  assert.doesNotMatch(inbox, new RegExp(`href="/members/${gone.id}"`));
  const sent = (await (await loggedInAgent(app, a)).get('/messages/sent')).text;
  assert.match(
    sent,
    new RegExp(`<a href="/members/${b.id}">しおり</a>`),
    'the sent folder names the recipient the same way',
  );
  const handset = await loggedInHandset(app, b);
  const mobile = (await handset.get('/m/messages')).text;
  assert.match(mobile, new RegExp(`<a href="/m/members/${a.id}">さえ</a>`));
  assert.doesNotMatch(mobile, new RegExp(`href="/m/members/${gone.id}"`));
});
