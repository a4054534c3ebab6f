import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { ensureDatabase } from '../../src/db/database.js';
import { prepareDatabase } from '../../src/prepare.js';

// The drill's own PostgreSQL (embedded, in a temporary folder, on a free loopback port) and the
// three database faults it inflicts on it. As root the server runs as the `postgres` system user;
// root may still signal it.

export type DrillPostgres = {
  /** The superuser on `ashiato`: the server is given it (it prepares the database and connects as the app's role), the drill counts with it. */
  ownerUrl: string;
  /** `pg_ctl -m immediate` stops the server so: SIGQUIT to the postmaster (no checkpoint, crash recovery at start). */
  crashAndRestart(downMs: number): Promise<void>;
  /** pg_terminate_backend for every connection of the app (not the drill's own); returns how many. */
  terminateAppConnections(): Promise<number>;
  /** SIGSTOP of the postmaster and all its children for `ms`, then SIGCONT: a database that hangs. */
  hang(ms: number): Promise<void>;
  remove(): Promise<void>;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((t) =>
        fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
      );
  } catch {
    return [];
  }
}

export async function startDrillPostgres(secret: string): Promise<DrillPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-drill-pg-'));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const server = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), persistent: true });
  const ownerUrl = server.url('ashiato');
  await ensureDatabase(server.url('postgres'), 'ashiato');
  // As the server prepares it at every start (migrations, job schema, the app's role).
  await prepareDatabase(ownerUrl, { secret });
  const postmaster = () => Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  return {
    ownerUrl,
    async crashAndRestart(downMs) {
      const pid = postmaster();
      process.kill(pid, 'SIGQUIT');
      while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, downMs));
      await server.start();
    },
    async terminateAppConnections() {
      const admin = new pg.Client({ connectionString: ownerUrl, application_name: 'drill-admin' });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND backend_type = 'client backend' AND application_name NOT LIKE 'drill%'`,
        );
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [rows.map((r) => r.pid)]);
        return rows.length;
      } finally {
        await admin.end();
      }
    },
    async hang(ms) {
      const root = postmaster();
      const pids = [root, ...childrenOf(root)];
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        // Children forked just before the stop are resumed too.
        for (const pid of new Set([...pids, ...childrenOf(root)])) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            /* gone */
          }
        }
      }
    },
    async remove() {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
