import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';
import { floorDir, missingFloor } from '../../scripts/bench/floor.js';

// `npm run bench -- --floor` finds the floor benchmark beside the checkout (../shared/bench-floor)
// or where BENCH_FLOOR_DIR says, never at one machine's absolute path, and says what it needs when
// the floor is not there — before any of the run's minutes of setup.

test('bench floor › found at ../shared/bench-floor beside the checkout, or at BENCH_FLOOR_DIR (relative to the checkout)', () => {
  assert.equal(floorDir({}), path.resolve(ROOT, '..', 'shared', 'bench-floor'));
  assert.equal(floorDir({ BENCH_FLOOR_DIR: '' }), path.resolve(ROOT, '..', 'shared', 'bench-floor'));
  assert.equal(floorDir({ BENCH_FLOOR_DIR: 'elsewhere/floor' }), path.join(ROOT, 'elsewhere', 'floor'));
  const absolute = path.join(os.tmpdir(), 'some-floor');
  assert.equal(floorDir({ BENCH_FLOOR_DIR: absolute }), absolute);
});

test('bench floor › a folder without run.sh is refused with what --floor needs; one with it is accepted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-floor-test-'));
  try {
    const why = missingFloor(dir);
    assert.ok(why);
    for (const needed of [
      `at ${dir}`,
      'run.sh',
      '../shared/bench-floor',
      'BENCH_FLOOR_DIR',
      'postgresql-15',
      'Without --floor',
    ])
      assert.ok(why.includes(needed), needed);
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
    assert.equal(missingFloor(dir), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench floor › `bench --floor` with no floor benchmark stops at once and says what it needs', async () => {
  const missing = path.join(os.tmpdir(), `ashiato-no-floor-${process.pid}`);
  const started = Date.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts/bench/run.ts'), '--floor', '--loadgen', 'autocannon'],
      {
        cwd: ROOT,
        env: { ...process.env, BENCH_FLOOR_DIR: missing },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (c) => resolve({ code: c, out }));
  });
  assert.equal(code, 1, out);
  assert.ok(out.includes(`--floor needs the floor benchmark (the folder with its run.sh) at ${missing}`), out);
  assert.doesNotMatch(out, /running the floor benchmark|members; server/, 'nothing was started');
  assert.ok(Date.now() - started < 30_000);
});
