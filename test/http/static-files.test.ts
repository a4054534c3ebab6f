import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';

// Static files: only public/'s own names are looked up on disk (app.ts); everything else goes to the routes.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

test('static files › the stylesheet is served; a missing file under css/ and other paths get the 404 page', async () => {
  const agent = new Agent(app.baseUrl);
  const css = await agent.get('/css/site.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  assert.equal((await agent.get('/css/nothing-here.css')).status, 404);
  assert.equal((await agent.get('/site.css')).status, 404);
  assert.equal((await agent.get('/')).status, 200);
});
