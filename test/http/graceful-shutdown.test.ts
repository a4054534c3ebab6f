import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from '../../src/paths.js';
import { loggedInAgent, TEST_SECRET } from '../support/app.js';
import { textOf, type Res } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { footprintRows, navigate } from '../support/footprints.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../../src/db/embedded.js';
import { waitFor } from '../support/wait.js';

// SECURITY 43: the real server process (src/server.ts) on SIGTERM. Slow requests come from the
// database side: the test holds an exclusive lock on `members`, so a page that loads the logged-in
// member waits for it, like a real slow query would.

let database: TestDatabase;
let uploadsDir: string;

before(async () => {
  database = await freshDatabase();
  uploadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-shutdown-'));
});
after(async () => {
  await database?.drop();
  fs.rmSync(uploadsDir, { recursive: true, force: true });
});

type ServerProcess = {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
};

async function startServerProcess(shutdownTimeoutMs: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: database.url,
      SEED_DEMO: 'never',
      SESSION_SECRET: TEST_SECRET,
      ARGON2_MEMORY_KIB: '19456',
      ARGON2_TIME_COST: '2',
      UPLOADS_DIR: uploadsDir,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => output.includes('Ashiato is running') || child.exitCode !== null, 40_000);
  assert.equal(child.exitCode, null, `the server did not start:\n${output}`);
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Resolves with the exit code, or fails after `ms`. */
function exitWithin(server: ServerProcess, ms: number): Promise<number | null> {
  return Promise.race([
    server.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${server.output()}`)), ms).unref(),
    ),
  ]);
}

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Holds an exclusive lock on `members` until `release`; requests that load a member wait behind it. */
async function lockMembers() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE members IN ACCESS EXCLUSIVE MODE');
  return {
    /** How many other connections of the database wait for a lock. */
    async waiting() {
      // Inside a transaction pg_stat_activity is read once and kept: ask for a fresh look.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return rows[0].n;
    },
    async release() {
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

test('SIGTERM › slow requests in flight complete, new connections are refused, jobs and pools stop, exit 0', async () => {
  const server = await startServerProcess(20_000);
  const member = await createMember(database.db, { nickname: 'おそいさん' });
  let lock: Awaited<ReturnType<typeof lockMembers>> | undefined;
  try {
    const agent = await loggedInAgent(server, member);
    lock = await lockMembers();
    const inFlight: Promise<Res>[] = [agent.get('/home'), agent.get('/home')];
    await waitFor(async () => (await lock!.waiting()) >= 2, 10_000);

    server.child.kill('SIGTERM');
    await waitFor(async () => server.output().includes('SIGTERM: finishing requests in flight'), 10_000);
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED', 'a new connection after SIGTERM');
    assert.equal(server.child.exitCode, null, 'still draining while the requests wait');

    await lock.release();
    lock = undefined;
    for (const res of await Promise.all(inFlight)) {
      assert.equal(res.status, 200);
      assert.match(textOf(res.text), /こんにちは、おそいさんさん/);
      // Its connection is not kept alive past the drain.
      assert.equal(res.headers.get('connection'), 'close');
    }
    assert.equal(await exitWithin(server, 25_000), 0, server.output());
    // Printed only after the job workers stopped and every pool closed (errors there are logged).
    assert.match(server.output(), /\[server\] stopped/);
    assert.doesNotMatch(server.output(), /\[jobs\] stop:|shutdown timed out/);
  } finally {
    await lock?.release();
    server.child.kill('SIGKILL');
  }
});

test('SIGTERM › a request stuck past SHUTDOWN_TIMEOUT_MS: the process gives up and exits 1', async () => {
  const server = await startServerProcess(1500);
  const member = await createMember(database.db);
  let lock: Awaited<ReturnType<typeof lockMembers>> | undefined;
  try {
    const agent = await loggedInAgent(server, member);
    lock = await lockMembers();
    const stuck = agent.get('/home').catch((err: Error) => err);
    await waitFor(async () => (await lock!.waiting()) >= 1, 10_000);

    server.child.kill('SIGTERM');
    assert.equal(await exitWithin(server, 15_000), 1, server.output());
    assert.match(server.output(), /shutdown timed out/);
    assert.ok((await stuck) instanceof Error, 'the stuck request is cut off, not answered');
  } finally {
    await lock?.release();
    server.child.kill('SIGKILL');
  }
});

test('SIGTERM › footprints still waiting for their batch are written before the process exits', async () => {
  // A minute's batch: nothing is written by the timer during the test, only by the drain.
  const server = await startServerProcess(20_000, { FOOTPRINT_BATCH_MS: '60000' });
  const [owner, visitor] = [await createMember(database.db), await createMember(database.db)];
  try {
    const agent = await loggedInAgent(server, visitor);
    assert.equal((await navigate(agent, `/members/${owner.id}`)).status, 200);
    assert.equal(
      (await footprintRows(database.db, owner.id, visitor.id)).length,
      0,
      'written before its batch was due',
    );
    server.child.kill('SIGTERM');
    assert.equal(await exitWithin(server, 25_000), 0, server.output());
    assert.equal(
      (await footprintRows(database.db, owner.id, visitor.id)).length,
      1,
      'the pending footprint was lost at shutdown',
    );
  } finally {
    server.child.kill('SIGKILL');
  }
});
