import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inTurns } from '../../src/http/turns.js';
import { createHttpServer } from '../../src/http/serve.js';
import { loadConfig } from '../../src/config.js';

// src/http/turns.ts: requests are handled in arrival order, a few milliseconds' worth per turn of the event loop, so
// that a busy process gets back to its listening socket (new connections) between turns.

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const fake = (n: number) => ({ req: { n } as unknown as http.IncomingMessage, res: {} as http.ServerResponse });

test('turns › requests are handled in arrival order, in turns of the event loop that stop when their time is spent', async () => {
  const handled: number[] = [];
  // A budget of 0 ms: one request per turn.
  const serve = inTurns((req) => {
    handled.push((req as unknown as { n: number }).n);
  }, 0);
  for (let i = 1; i <= 3; i++) {
    const { req, res } = fake(i);
    serve(req, res);
  }
  assert.deepEqual(handled, [], 'nothing is handled in the turn the request was read in');
  await nextTurn();
  assert.deepEqual(handled, [1]);
  // One that arrives now waits behind those already waiting.
  const late = fake(4);
  serve(late.req, late.res);
  await nextTurn();
  assert.deepEqual(handled, [1, 2]);
  await nextTurn();
  await nextTurn();
  assert.deepEqual(handled, [1, 2, 3, 4]);
  // Idle again: the next request is handled in the next turn.
  const after = fake(5);
  serve(after.req, after.res);
  await nextTurn();
  assert.deepEqual(handled, [1, 2, 3, 4, 5]);

  // Handlers that take 2 ms each, a budget of 5 ms: no more than three per turn.
  const slow: number[] = [];
  const busy = inTurns((req) => {
    const until = performance.now() + 2;
    while (performance.now() < until) {
      /* a page's rendering */
    }
    slow.push((req as unknown as { n: number }).n);
  }, 5);
  for (let i = 1; i <= 8; i++) {
    const { req, res } = fake(i);
    busy(req, res);
  }
  const perTurn: number[] = [];
  while (slow.length < 8) {
    const before = slow.length;
    await nextTurn();
    perTurn.push(slow.length - before);
  }
  assert.deepEqual(slow, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(
    perTurn.every((n) => n >= 1 && n <= 3),
    `per turn: ${perTurn.join(', ')}`,
  );

  // A generous budget: requests that start quickly (a page waiting on the database) all start at once.
  const quick: number[] = [];
  const fast = inTurns((req) => {
    quick.push((req as unknown as { n: number }).n);
  }, 1000);
  for (let i = 1; i <= 50; i++) {
    const { req, res } = fake(i);
    fast(req, res);
  }
  await nextTurn();
  assert.equal(quick.length, 50);
});

test('turns › a handler that throws does not strand the requests behind it', async () => {
  const handled: number[] = [];
  const thrown: unknown[] = [];
  const onUncaught = (err: unknown) => {
    thrown.push(err);
  };
  process.prependListener('uncaughtException', onUncaught);
  const originalListeners = process.listeners('uncaughtException').filter((l) => l !== onUncaught);
  for (const l of originalListeners) process.removeListener('uncaughtException', l);
  try {
    const serve = inTurns((req) => {
      const n = (req as unknown as { n: number }).n;
      if (n === 2) throw new Error('boom');
      handled.push(n);
    }, 0);
    for (let i = 1; i <= 6; i++) {
      const { req, res } = fake(i);
      serve(req, res);
    }
    for (let i = 0; i < 6; i++) await nextTurn();
    assert.deepEqual(handled, [1, 3, 4, 5, 6]);
    assert.equal((thrown[0] as Error).message, 'boom');
  } finally {
    process.removeListener('uncaughtException', onUncaught);
    for (const l of originalListeners) process.on('uncaughtException', l);
  }
});

test('turns › a real server answers every request of many kept-alive connections', async () => {
  const server = http.createServer(
    inTurns((req, res) => {
      res.end(req.url);
    }, 0),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const bodies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => fetch(`${base}/p${i}`).then((r) => r.text())),
    );
    assert.deepEqual(
      bodies,
      Array.from({ length: 30 }, (_, i) => `/p${i}`),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('turns › the serving function (src/server.ts and the HTTP tests) wraps the app in turns of HTTP_TURN_BUDGET_MS; 0 turns them off', () => {
  const app = () => undefined;
  assert.equal(loadConfig({ NODE_ENV: 'test' }).turnBudgetMs, 2);
  assert.equal(loadConfig({ NODE_ENV: 'test', HTTP_TURN_BUDGET_MS: '0' }).turnBudgetMs, 0);
  assert.throws(() => loadConfig({ NODE_ENV: 'test', HTTP_TURN_BUDGET_MS: '-1' }), /HTTP_TURN_BUDGET_MS/);
  const inTurnsServer = createHttpServer(app, { turnBudgetMs: 2 });
  assert.notEqual(inTurnsServer.listeners('request')[0], app, 'wrapped');
  const plain = createHttpServer(app, { turnBudgetMs: 0 });
  assert.equal(plain.listeners('request')[0], app, 'the app itself: each request handled as it is read');
});
