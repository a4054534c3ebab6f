import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failures, formatTable, runDrill, type FaultName } from '../../scripts/drill/engine.js';

// The fault drill of `npm run drill` (scripts/drill/engine.ts, docs/reliability.md) with short
// phases: a real server process on a PostgreSQL of its own, members writing through the real pages
// while PostgreSQL restarts (immediate shutdown), loses every connection, hangs for 5 s, and the
// app process (then one cluster worker) is SIGKILLed. Nothing acknowledged may be lost, nothing
// stored twice, no member logged out, each SMS queued at a database fault sent exactly once.

test('fault drill › every fault in turn: nothing acknowledged lost, nothing stored twice, members stay logged in, SMS sent once', async () => {
  const results = await runDrill({
    writers: 3,
    targets: 20,
    browsers: 4,
    warmupMs: 1200,
    afterMs: 1500,
    smsWaitMs: 30_000,
    smsOnAppKill: false,
  });
  const table = formatTable(results);
  assert.deepEqual(failures(results), [], table);

  const byFault = new Map<FaultName, (typeof results)[number]>(results.map((r) => [r.fault, r]));
  assert.equal(byFault.size, 5, table);
  for (const r of results) {
    // The drill is not vacuous: every kind of write was acknowledged and found, and pages were visited.
    for (const kind of ['diary', 'comment', 'message', 'friend_request', 'community_join'] as const) {
      assert.ok((r.byKind[kind]?.acknowledged ?? 0) > 0, `${r.fault}: no ${kind} acknowledged\n${table}`);
    }
    assert.ok(r.footprints.acknowledged > 0, `${r.fault}: no visits\n${table}`);
    assert.ok(r.replayed > 0, `${r.fault}: no POST sent again after its answer\n${table}`);
    assert.ok(Number.isFinite(r.recoveryMs), `${r.fault}: not serving again\n${table}`);
  }
  // Each fault was felt by the members: pages failed or waited, then were served again.
  for (const fault of ['postgres-immediate-restart', 'postgres-hung-5s', 'app-sigkill'] as const) {
    assert.ok(byFault.get(fault)!.recoveryMs > 0, `${fault} went unnoticed\n${table}`);
  }
  assert.ok(byFault.get('app-sigkill')!.unanswered > 0, `the SIGKILL cut no request\n${table}`);
  for (const fault of ['postgres-immediate-restart', 'connections-terminated', 'postgres-hung-5s'] as const) {
    assert.deepEqual(byFault.get(fault)!.sms, { queued: 1, sentOnce: 1, sentTwice: 0 }, `${fault}\n${table}`);
  }
});
