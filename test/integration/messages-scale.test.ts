import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { unreadMessageCount } from '../../src/features/messages/counts.js';
import { earlierInChain, folderPage, heldMessage, type Folder } from '../../src/features/messages/queries.js';
import { sendMessage } from '../../src/features/messages/service.js';

// Messages at a size where a wrong plan shows: 3,000 members and 105,000 messages between them, and
// one member (the hub) with 4,000 received, 1,000 sent and a 400-message conversation. Every query
// of the inbox, sent, trash, message page, unread count and send must be index probes: no scan of
// messages or message_copies. SHOW_PLANS=1 prints the analysed plans.

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const planNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];

let t: TestDatabase;
let client: pg.Client;
let hub: number;
let partner: number;
let lastInThread: number;

before(async () => {
  t = await freshDatabase();
  await t.db.raw(
    `INSERT INTO verified_phones (phone) SELECT '+8170' || lpad(g::text, 8, '0') FROM generate_series(30000000, 30002999) g`,
  );
  const ids: number[] = (
    await t.db.raw(`INSERT INTO members (phone, nickname, birth_date, password_hash)
    SELECT '+8170' || lpad(g::text, 8, '0'), 'm' || g, '1990-01-01', '$argon2id$x' FROM generate_series(30000000, 30002999) g RETURNING id`)
  ).rows.map((r: { id: number }) => r.id);
  [hub, partner] = ids;
  const lo = ids[2];
  const n = ids.length - 2;
  // Background mail between the others, then the hub's: received, sent, and one long conversation.
  // Each is the first of its own chain (thread_id = id), but the conversation's replies.
  const ownThread = (select: string) => `
    INSERT INTO messages (id, thread_id, sender_id, recipient_id, subject, body, submission_key, created_at)
    SELECT n, n, sender_id, recipient_id, subject, body, gen_random_uuid(), created_at
      FROM (SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS n, x.* FROM (${select}) x) y RETURNING id`;
  await t.db.raw(
    ownThread(`
    SELECT s AS sender_id, CASE WHEN r = s THEN ? + ((r - ? + 1) % ?) ELSE r END AS recipient_id, 's' || g AS subject, 'b' || g AS body, now() - g * interval '1 minute' AS created_at
      FROM generate_series(1, 100000) g, LATERAL (SELECT ? + (g::bigint * 7919) % ? AS s, ? + (g::bigint * 104729) % ? AS r) p`),
    [lo, lo, n, lo, n, lo, n],
  );
  await t.db.raw(
    ownThread(`SELECT ? + g % ? AS sender_id, ?::bigint AS recipient_id, 'to hub ' || g AS subject, 'b' AS body, now() - g * interval '3 minutes' AS created_at
    FROM generate_series(1, 4000) g`),
    [lo, n, hub],
  );
  await t.db.raw(
    ownThread(`SELECT ?::bigint AS sender_id, ? + g % ? AS recipient_id, 'from hub ' || g AS subject, 'b' AS body, now() - g * interval '5 minutes' AS created_at
    FROM generate_series(1, 1000) g`),
    [hub, lo, n],
  );
  const [{ id: first }] = (
    await t.db.raw(
      ownThread(
        `SELECT ?::bigint AS sender_id, ?::bigint AS recipient_id, 'はじめ' AS subject, 'b' AS body, now() - interval '30 days' AS created_at`,
      ),
      [hub, partner],
    )
  ).rows;
  await t.db.raw(
    `INSERT INTO messages (sender_id, recipient_id, subject, body, thread_id, submission_key, created_at)
    SELECT CASE WHEN g % 2 = 0 THEN ?::bigint ELSE ?::bigint END, CASE WHEN g % 2 = 0 THEN ?::bigint ELSE ?::bigint END, 'Re: はじめ', 'b' || g, ?, gen_random_uuid(), now() - interval '30 days' + g * interval '1 minute'
      FROM generate_series(1, 400) g`,
    [hub, partner, partner, hub, first],
  );
  lastInThread = (await t.db('messages').max({ id: 'id' }).first())!.id;
  // Both copies of everything; most mail read, a little trashed.
  await t.db.raw(`INSERT INTO message_copies (member_id, message_id, box, created_at, trashed_at)
    SELECT sender_id, id, 'sent', created_at, CASE WHEN id % 50 = 0 THEN now() END FROM messages`);
  await t.db.raw(`INSERT INTO message_copies (member_id, message_id, box, created_at, read_at, trashed_at)
    SELECT recipient_id, id, 'received', created_at, CASE WHEN id % 20 <> 0 THEN now() END, CASE WHEN id % 30 = 0 THEN now() END FROM messages`);
  await t.db.raw('ANALYZE members; ANALYZE messages; ANALYZE message_copies; ANALYZE blocks');
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
});
after(async () => {
  await client?.end();
  await t.drop();
});

/** Runs `fn`, then EXPLAINs every SELECT it sent: each must avoid scanning the message tables. */
async function plansOf(fn: () => Promise<unknown>): Promise<PlanNode[][]> {
  const queries: { sql: string; bindings: unknown[] }[] = [];
  const listen = (q: { sql: string; bindings: unknown[] }) => queries.push(q);
  t.db.on('query', listen);
  try {
    await fn();
  } finally {
    t.db.off('query', listen);
  }
  const plans: PlanNode[][] = [];
  for (const q of queries.filter((x) => /^\s*select/i.test(x.sql))) {
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.bindings);
    if (process.env.SHOW_PLANS) {
      const { rows: analyzed } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${q.sql}`, q.bindings);
      console.log(`${q.sql}\n${analyzed.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
    const nodes = planNodes(rows[0]['QUERY PLAN'][0].Plan);
    const scans = nodes.filter(
      (node) =>
        node['Node Type'] === 'Seq Scan' &&
        ['messages', 'message_copies', 'members'].includes(node['Relation Name'] ?? ''),
    );
    assert.deepEqual(scans, [], q.sql);
    plans.push(nodes);
  }
  assert.ok(plans.length > 0);
  return plans;
}

const usesIndex = (plans: PlanNode[][], name: string) => plans.flat().some((n) => n['Index Name'] === name);

test('messages at scale › the unread count is one probe of message_copies_unread_idx', async () => {
  const plans = await plansOf(async () => assert.ok((await unreadMessageCount(t.db, hub)) > 100));
  assert.equal(plans.length, 1);
  assert.ok(usesIndex(plans, 'message_copies_unread_idx'));
});

test('messages at scale › inbox, sent and trash pages, first and later, are index ranges', async () => {
  for (const folder of ['inbox', 'sent', 'trash'] as Folder[]) {
    let page: Awaited<ReturnType<typeof folderPage>> = [];
    const first = await plansOf(async () => {
      page = await folderPage(t.db, hub, folder, { limit: 21 });
    });
    assert.equal(page.length, 21, folder);
    const last = page[19];
    const later = await plansOf(() =>
      folderPage(t.db, hub, folder, { limit: 21, before: { at: new Date(last.created_at), id: last.id } }),
    );
    const index = folder === 'trash' ? 'message_copies_trash_idx' : 'message_copies_folder_idx';
    assert.ok(usesIndex(first, index), `${folder}: ${index}`);
    assert.ok(usesIndex(later, index), `${folder} later: ${index}`);
  }
});

test('messages at scale › a message page (the copy, the earlier chain) and a send are probes too', async () => {
  const plans = await plansOf(async () => {
    const m = await heldMessage(t.db, hub, lastInThread);
    assert.ok(m);
    assert.equal((await earlierInChain(t.db, hub, m)).length, 20);
  });
  assert.ok(usesIndex(plans, 'messages_thread_idx'));
  const sent = await plansOf(async () => {
    const r = await sendMessage(t.db, {
      senderId: hub,
      recipientId: partner,
      replyToId: lastInThread,
      form: { subject: 'Re: はじめ', body: 'また今度', submission_key: crypto.randomUUID() },
      at: new Date(),
    });
    assert.ok(r.ok);
  });
  assert.ok(usesIndex(sent, 'messages_sender_recipient_created_idx'));
});
