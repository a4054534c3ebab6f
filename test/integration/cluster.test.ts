import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../../src/db/embedded.js';
import { waitFor } from '../support/wait.js';
import { spawnServer } from '../support/server-process.js';

// src/server.ts in cluster mode (WEB_CONCURRENCY): N HTTP workers on one port, background jobs worked
// in the primary only, a dead worker replaced, SIGTERM drains everything and exits 0.

let database: TestDatabase | null = null;
let server: ChildProcess | null = null;
after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await database?.drop();
});

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

/** Pids of the node processes among the direct children of `pid` (Linux /proc; tsx also runs an esbuild child). */
function childPids(pid: number): number[] {
  return fs
    .readdirSync(`/proc/${pid}/task`)
    .flatMap((t) =>
      fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    )
    .filter((child) => {
      try {
        return fs.readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'node';
      } catch {
        return false;
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('cluster mode › WEB_CONCURRENCY=2 starts two HTTP workers and one job runner, replaces a dead worker, and SIGTERM stops them all', async () => {
  database = await freshDatabase();
  const port = await freePort();
  const spawned = spawnServer(database.url, port, { WEB_CONCURRENCY: '2' });
  server = spawned.child;
  const log = spawned.log;
  const primary = server.pid!;
  const workerPids = () => [...log().matchAll(/\[server\] worker (\d+) listening/g)].map((m) => Number(m[1]));

  const until = (cond: () => boolean, what: string) =>
    waitFor(async () => cond(), 60_000).catch(() => {
      throw new Error(`${what}:\n${log()}`);
    });
  await until(() => /Ashiato is running on .*\(2 worker processes\)/.test(log()), 'the server did not start');
  const workers = workerPids();
  assert.equal(workers.length, 2, log());
  assert.deepEqual(childPids(primary).sort(), [...workers].sort(), "the workers are the primary's only children");
  const runners = [...log().matchAll(/background jobs are worked in process (\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(runners, [primary], 'jobs are worked in the primary only');
  for (let i = 0; i < 6; i++) assert.equal(await get(port, '/healthz'), 200);
  assert.equal(await get(port, '/readyz'), 200);

  // A worker that dies is replaced; the site keeps answering.
  process.kill(workers[0], 'SIGKILL');
  await until(() => workerPids().length === 3, 'no replacement worker');
  assert.equal(await get(port, '/healthz'), 200);
  const current = workerPids().filter((p) => p !== workers[0]);
  assert.deepEqual(childPids(primary).sort(), current.sort());

  const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 0, log());
  for (const pid of current) assert.equal(alive(pid), false, `worker ${pid} still running`);
  assert.equal((log().match(/worker \d+ stopped/g) ?? []).length, 2, log());
});
