import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inTurns } from '../../src/http/turns.js';

// src/http/turns.ts: requests are handled in arrival order, a few per turn of the event loop, so
// that a busy process gets back to its listening socket (new connections) between turns.

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const fake = (n: number) => ({ req: { n } as unknown as http.IncomingMessage, res: {} as http.ServerResponse });

test('turns › requests are handled in arrival order, at most perTurn per turn of the event loop', async () => {
  const handled: number[] = [];
  const serve = inTurns((req) => { handled.push((req as unknown as { n: number }).n); }, 4);
  for (let i = 1; i <= 10; i++) { const { req, res } = fake(i); serve(req, res); }
  assert.deepEqual(handled, [], 'nothing is handled in the turn the request was read in');
  await nextTurn();
  assert.deepEqual(handled, [1, 2, 3, 4]);
  // One that arrives now waits behind those already waiting.
  const late = fake(11);
  serve(late.req, late.res);
  await nextTurn();
  assert.deepEqual(handled, [1, 2, 3, 4, 5, 6, 7, 8]);
  await nextTurn();
  assert.deepEqual(handled, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  // Idle again: the next request is handled in the next turn.
  const after = fake(12);
  serve(after.req, after.res);
  await nextTurn();
  assert.deepEqual(handled.slice(-1), [12]);
});

test('turns › a handler that throws does not strand the requests behind it', async () => {
  const handled: number[] = [];
  const thrown: unknown[] = [];
  const onUncaught = (err: unknown) => { thrown.push(err); };
  process.prependListener('uncaughtException', onUncaught);
  const originalListeners = process.listeners('uncaughtException').filter((l) => l !== onUncaught);
  for (const l of originalListeners) process.removeListener('uncaughtException', l);
  try {
    const serve = inTurns((req) => {
      const n = (req as unknown as { n: number }).n;
      if (n === 2) throw new Error('boom');
      handled.push(n);
    }, 4);
    for (let i = 1; i <= 6; i++) { const { req, res } = fake(i); serve(req, res); }
    for (let i = 0; i < 4; i++) await nextTurn();
    assert.deepEqual(handled, [1, 3, 4, 5, 6]);
    assert.equal((thrown[0] as Error).message, 'boom');
  } finally {
    process.removeListener('uncaughtException', onUncaught);
    for (const l of originalListeners) process.on('uncaughtException', l);
  }
});

test('turns › a real server answers every request of many kept-alive connections', async () => {
  const server = http.createServer(inTurns((req, res) => { res.end(req.url); }, 2));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const bodies = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(`${base}/p${i}`).then((r) => r.text())));
    assert.deepEqual(bodies, Array.from({ length: 30 }, (_, i) => `/p${i}`));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
