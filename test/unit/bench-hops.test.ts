import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopTable, type HopRow, type Mode } from '../../scripts/bench/hops.js';
import type { LoadResult } from '../../scripts/bench/load.js';

// `npm run bench -- --via-pgbouncer --read-replica` prints each hop beside the direct run: CPU ms per
// request of each group of processes, their total, and the hop's overhead (docs/scaling.md §7).

const load = (rps: number, p99: number): LoadResult => ({
  requests: rps * 10,
  seconds: 10,
  rps,
  p50: p99 / 2,
  p90: p99 * 0.8,
  p99,
  errors: 0,
  note: '',
});
const cores = (c: { app: number; pg: number; bouncer?: number; replica?: number }, rps: number) => ({
  bouncer: 0,
  replica: 0,
  other: 0.1,
  ...c,
  rps,
});

const modes: Mode[] = [
  { name: 'direct', label: 'direct', env: {}, pids: {} },
  { name: 'unnamed', label: 'unnamed', env: {}, pids: {} },
  { name: 'pgbouncer', label: 'PgBouncer', env: {}, pids: { bouncer: 1 } },
  { name: 'replica', label: 'replica', env: {}, pids: { replica: 2 } },
];

test('bench hops › each hop shows its CPU per request, its overhead over the direct run and, for PgBouncer, the hop alone', () => {
  const row: HopRow = {
    label: 'home',
    byMode: new Map([
      // 500 req/s on 0.5 + 0.5 cores: 1 + 1 = 2 ms per request.
      ['direct', { load: load(500, 100), cores: cores({ app: 0.5, pg: 0.5 }, 500), dbMs: 1.5 }],
      // 250 req/s on 0.5 + 1.0 cores: 2 + 4 = 6 ms.
      ['unnamed', { load: load(250, 300), cores: cores({ app: 0.5, pg: 1.0 }, 250), dbMs: 9 }],
      // 250 req/s on 0.5 + 1.0 + 0.05 cores: 2 + 4 + 0.2 = 6.2 ms; the hop alone +0.2.
      ['pgbouncer', { load: load(250, 310), cores: cores({ app: 0.5, pg: 1.0, bouncer: 0.05 }, 250), dbMs: 9 }],
      // 400 req/s on 0.4 + 0.1 + 0.36 cores: 1 + 0.25 + 0.9 = 2.15 ms.
      ['replica', { load: load(400, 90), cores: cores({ app: 0.4, pg: 0.1, replica: 0.36 }, 400), dbMs: 0.05 }],
    ]),
  };
  const lines = hopTable([row], modes, '1.00 1.00 1.00').split('\n');
  const cells = (label: string) =>
    lines
      .find((l) => l.split('|')[2]?.trim() === label)!
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  assert.deepEqual(cells('direct'), [
    'home',
    'direct',
    '500',
    '100.00',
    '',
    '1.50',
    '1.00',
    '1.00',
    '—',
    '—',
    '2.00',
    '',
    '0.10',
  ]);
  assert.deepEqual(cells('unnamed').slice(2), [
    '250',
    '300.00',
    '+200.00',
    '9.00',
    '2.00',
    '4.00',
    '—',
    '—',
    '6.00',
    '+4.00',
    '0.10',
  ]);
  assert.deepEqual(cells('PgBouncer').slice(2), [
    '250',
    '310.00',
    '+210.00',
    '9.00',
    '2.00',
    '4.00',
    '0.20',
    '—',
    '6.20',
    '+4.20 (the hop alone: +0.20)',
    '0.10',
  ]);
  assert.deepEqual(cells('replica').slice(2), [
    '400',
    '90.00',
    '−10.00',
    '0.05',
    '1.00',
    '0.25',
    '—',
    '0.90',
    '2.15',
    '+0.15',
    '0.10',
  ]);
  assert.match(lines.join('\n'), /Load average at the end: 1\.00 1\.00 1\.00/);
});
