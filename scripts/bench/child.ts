import type { ChildProcess } from 'node:child_process';
import { request } from './sessions.js';

// The benchmark's child servers (Ashiato's, the floor's): waiting until one answers, and stopping it.

/** Resolves once GET `path` answers `ok` (any answer by default); fails if the child exits or `tries` × 100 ms pass. */
export async function waitUntilAnswering(
  child: ChildProcess,
  baseUrl: string,
  path: string,
  what: string,
  opts: { tries?: number; ok?: (status: number) => boolean } = {},
): Promise<void> {
  const ok = opts.ok ?? (() => true);
  for (let i = 0; i < (opts.tries ?? 600); i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try {
      if (ok((await request(baseUrl, path)).status)) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  throw new Error(`${what} did not become ready`);
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
