import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';

// An unexpected failure (here: a table gone missing) is a plain 500 page: no stack, SQL, path or version.
let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

test('errors › an unexpected failure shows the 500 page without internals, and the app lives on', async () => {
  const agent = new Agent(app.baseUrl);
  await agent.get('/password-reset');
  await app.db.raw('ALTER TABLE members RENAME TO members_gone');
  const originalError = console.error;
  console.error = () => undefined; // the stack is logged on purpose; keep the test output clean
  try {
    const res = await agent.post('/password-reset', { phone: '090-1234-5678' });
    assert.equal(res.status, 500);
    assert.match(textOf(res.text), /問題が発生しました/);
    assert.doesNotMatch(res.text, /members_gone|relation|SELECT|select|\.ts:|node_modules|Express|v20/);
  } finally {
    console.error = originalError;
    await app.db.raw('ALTER TABLE members_gone RENAME TO members');
  }
  assert.equal((await agent.get('/password-reset')).status, 200);
});
