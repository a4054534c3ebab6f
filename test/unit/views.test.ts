import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { VIEWS_DIR } from '../../src/paths.js';

function ejsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? ejsFiles(p) : e.name.endsWith('.ejs') ? [p] : [];
  });
}

// SECURITY 22: unescaped output only for includes and for …Html values from the one formatter.
test('views › every <%- is an include(...) or a …Html value', () => {
  const offenders: string[] = [];
  for (const file of ejsFiles(VIEWS_DIR)) {
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/<%-([\s\S]*?)-?%>/g)) {
      const expr = m[1].trim();
      if (/^include\(/.test(expr) || /^[A-Za-z_.]*Html$/.test(expr)) continue;
      offenders.push(`${path.relative(VIEWS_DIR, file)}: <%-${m[1]}%>`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('views › there are views to check (the scan is not vacuous)', () => {
  assert.ok(ejsFiles(VIEWS_DIR).length > 5);
});
