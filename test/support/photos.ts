import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from './app.js';
import type { RateLimitSpecs } from '../../src/context.js';
import type { Agent } from './agent.js';
import { cookieHeader } from './multipart.js';

/** The real app with its photo files in a temporary UPLOADS_DIR of its own, removed on close. */
export async function startPhotoApp(
  opts: { limits?: Partial<RateLimitSpecs> } = {},
): Promise<{ app: TestApp; uploads: string; close: () => Promise<void> }> {
  const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-uploads-'));
  const app = await startTestApp({ env: { UPLOADS_DIR: uploads }, limits: opts.limits });
  return {
    app,
    uploads,
    async close() {
      await app.close();
      fs.rmSync(uploads, { recursive: true, force: true });
    },
  };
}

/** Every file below `dir`, as paths. */
export function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesIn(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A photo URL as the agent's browser fetches it (an <img>: no redirect following). */
export function fetchPhoto(agent: Agent, url: string): Promise<Response> {
  return fetch(agent.baseUrl + url, { redirect: 'manual', headers: { cookie: cookieHeader(agent) } });
}
