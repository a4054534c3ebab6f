import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { copyOf, createMessage, postMessage, sentId } from '../support/messages.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

async function messagesFrom(senderId: number): Promise<number> {
  return (await app.db('messages').where({ sender_id: senderId })).length;
}

test('messages › to oneself, a missing, withdrawn or suspended member, or across a block either way: 404 and nothing stored', async () => {
  const me = await createMember(app.db);
  const [blocker, blocked, withdrawn, suspended] = await Promise.all([1, 2, 3, 4].map(() => createMember(app.db)));
  await app.db('blocks').insert([
    { blocker_id: blocker.id, blocked_id: me.id },
    { blocker_id: me.id, blocked_id: blocked.id },
  ]);
  await app
    .db('members')
    .where({ id: withdrawn.id })
    .update({ status: 'withdrawn', withdrawn_at: new Date(), phone: null });
  await app.db('members').where({ id: suspended.id }).update({ status: 'suspended' });
  const agent = await loggedInAgent(app, me);
  for (const id of [me.id, 999999, blocker.id, blocked.id, withdrawn.id, suspended.id]) {
    assert.equal((await agent.get(`/messages/new?to=${id}`)).status, 404, `GET ${id}`);
    assert.equal((await postMessage(agent, id, { subject: 'とどく？' })).status, 404, `POST ${id}`);
  }
  for (const q of ['', '?to=abc', '?to=-1', '?to=1.5', '?reply_to=x'])
    assert.equal((await agent.get(`/messages/new${q}`)).status, 404, q);
  assert.equal(await messagesFrom(me.id), 0);
  assert.equal((await app.db('message_copies').where({ member_id: me.id })).length, 0);
});

test("messages › someone else's message is a 404 to read, trash, restore, delete or answer; nothing changes", async () => {
  const [a, b, stranger] = await Promise.all([1, 2, 3].map(() => createMember(app.db)));
  const id = await createMessage(app.db, a.id, b.id, { subject: 'ふたりだけ' });
  const agent = await loggedInAgent(app, stranger);
  const page = await agent.get(`/messages/${id}`);
  assert.equal(page.status, 404);
  const main = (html: string) => /<main[\s\S]*<\/main>/.exec(html)![0];
  assert.equal(
    main(page.text),
    main((await agent.get('/messages/99999999')).text),
    'the same page as a missing message',
  );
  assert.doesNotMatch(page.text, /ふたりだけ/);
  for (const action of ['trash', 'restore', 'delete'])
    assert.equal((await agent.post(`/messages/${id}/${action}`, {}, { tokenFrom: '/messages' })).status, 404, action);
  assert.equal((await agent.get(`/messages/new?reply_to=${id}`)).status, 404);
  assert.equal(
    (await postMessage(agent, a.id, { reply_to: String(id) })).status,
    404,
    'answering a message one does not hold',
  );
  assert.equal((await agent.get('/messages/abc')).status, 404);
  assert.deepEqual(await copyOf(app.db, b.id, id), { box: 'received', read_at: null, trashed_at: null });
  assert.ok(await copyOf(app.db, a.id, id));
  assert.equal(await messagesFrom(stranger.id), 0);
});

test('messages › an answer goes to the other side of the message only', async () => {
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => createMember(app.db)));
  const id = await createMessage(app.db, a.id, b.id);
  const agent = await loggedInAgent(app, b);
  assert.equal(
    (await postMessage(agent, c.id, { reply_to: String(id) })).status,
    404,
    'reply_to with another recipient',
  );
  assert.equal(await messagesFrom(b.id), 0);
  assert.equal((await postMessage(agent, a.id, { reply_to: String(id) })).status, 303);
});

test('messages › after a block the old messages stay readable, but there is no answering', async () => {
  const [a, b] = await Promise.all([1, 2].map(() => createMember(app.db)));
  const id = await createMessage(app.db, a.id, b.id, { subject: 'まえのはなし' });
  await app.db('blocks').insert({ blocker_id: b.id, blocked_id: a.id });
  const agent = await loggedInAgent(app, b);
  const page = await agent.get(`/messages/${id}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /reply_to=/);
  assert.equal((await agent.get(`/messages/new?reply_to=${id}`)).status, 404);
  assert.equal((await postMessage(agent, a.id, { reply_to: String(id) })).status, 404);
  const sender = await loggedInAgent(app, a);
  assert.equal(
    (await postMessage(sender, b.id, { subject: 'まだ送れる？' })).status,
    404,
    'the blocked side cannot write either',
  );
});

test('messages › a cross-site POST or a missing token is 403 and changes nothing', async () => {
  const [a, b] = await Promise.all([1, 2].map(() => createMember(app.db)));
  const id = await createMessage(app.db, b.id, a.id);
  const agent = await loggedInAgent(app, a);
  await agent.get(`/messages/new?to=${b.id}`);
  const fields = { to: String(b.id), subject: 'x', body: 'y', submission_key: crypto.randomUUID() };
  assert.equal((await agent.post('/messages', fields, { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  assert.equal((await agent.post('/messages', fields, { headers: { origin: 'https://evil.example' } })).status, 403);
  assert.equal((await agent.post('/messages', fields, { token: null })).status, 403);
  assert.equal((await agent.post('/messages', fields, { token: 'wrong-token-wrong-token-wrong-to' })).status, 403);
  for (const action of ['trash', 'delete']) {
    assert.equal(
      (await agent.post(`/messages/${id}/${action}`, {}, { headers: { 'sec-fetch-site': 'cross-site' } })).status,
      403,
    );
    assert.equal((await agent.post(`/messages/${id}/${action}`, {}, { token: null })).status, 403);
  }
  assert.equal(await messagesFrom(a.id), 0);
  assert.deepEqual(await copyOf(app.db, a.id, id), { box: 'received', read_at: null, trashed_at: null });
});

test('messages › a double submit makes one message; extra fields are ignored', async () => {
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => createMember(app.db)));
  const agent = await loggedInAgent(app, a);
  await agent.get(`/messages/new?to=${b.id}`);
  const fields = {
    to: String(b.id),
    subject: '一度だけ',
    body: 'ぽちぽち',
    submission_key: crypto.randomUUID(),
    sender_id: String(c.id),
    recipient_id: String(c.id),
    thread_id: '1',
  };
  const [r1, r2, r3] = await Promise.all([
    agent.post('/messages', fields),
    agent.post('/messages', fields),
    agent.post('/messages', fields),
  ]);
  assert.deepEqual([r1.status, r2.status, r3.status], [303, 303, 303]);
  assert.equal(r1.location, r2.location);
  assert.equal(r1.location, r3.location);
  const rows = await app
    .db('messages')
    .select('sender_id', 'recipient_id', 'thread_id')
    .where({ id: sentId(r1) });
  assert.deepEqual(rows, [{ sender_id: a.id, recipient_id: b.id, thread_id: sentId(r1) }]);
  assert.equal(await messagesFrom(a.id), 1);
  assert.equal((await app.db('message_copies').where({ message_id: sentId(r1) })).length, 2);
});

test('messages › the same text to the same member within 5 minutes is refused; later, or to someone else, it goes', async () => {
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => createMember(app.db)));
  const agent = await loggedInAgent(app, a);
  assert.equal((await postMessage(agent, b.id, { subject: '宣伝', body: 'おなじぶんしょう' })).status, 303);
  const again = await postMessage(agent, b.id, { subject: '別の件名', body: 'おなじぶんしょう' });
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /同じ内容のメッセージを5分以内に同じ相手へ送っています/);
  assert.match(again.text, />おなじぶんしょう<\/textarea>/);
  assert.equal((await postMessage(agent, c.id, { body: 'おなじぶんしょう' })).status, 303, 'another member');
  app.clock.advance(5 * 60_000 + 1000);
  assert.equal((await postMessage(agent, b.id, { body: 'おなじぶんしょう' })).status, 303, 'after 5 minutes');
  app.clock.set(new Date());
  assert.equal(await messagesFrom(a.id), 3);
});

test('messages › sending is rate-limited per account: past the limit, 429 and nothing stored', async () => {
  const limited = await startTestApp({ database: app.database, limits: { messages: { points: 3, duration: 3600 } } });
  try {
    const [a, b] = await Promise.all([1, 2].map(() => createMember(app.db)));
    const agent = await loggedInAgent(limited, a);
    for (let i = 0; i < 3; i++) assert.equal((await postMessage(agent, b.id, { body: `${i}通目` })).status, 303);
    const over = await postMessage(agent, b.id, { body: '4通目' });
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.match(textOf(over.text), /メッセージの送信が多すぎます/);
    assert.equal(await messagesFrom(a.id), 3);
    const other = await loggedInAgent(limited, b);
    assert.equal((await postMessage(other, a.id, { body: 'わたしは送れる' })).status, 303, 'the limit is per account');
  } finally {
    await limited.close();
  }
});
