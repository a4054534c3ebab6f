import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Agent, Res } from './agent.js';
import { multipartBody, postRaw, type Part } from './multipart.js';

/** Posts the diary form as a browser does (multipart, token first), with optional photos. */
export async function postDiary(
  agent: Agent,
  fields: Record<string, string>,
  photos: Buffer[] = [],
  path = '/diaries',
): Promise<Res> {
  await agent.get(path === '/diaries' ? '/diaries/new' : path);
  const parts: Part[] = [{ name: '_csrf', value: agent.lastToken! }];
  // Like a browser, a checkbox left unticked (comments_enabled) is simply not sent.
  const all: Record<string, string> = { submission_key: crypto.randomUUID(), visibility: 'members', ...fields };
  for (const [name, value] of Object.entries(all)) parts.push({ name, value });
  photos.forEach((data, i) => parts.push({ name: 'photos', filename: `p${i}.jpg`, data }));
  return postRaw(agent, path, multipartBody(parts));
}

/** A diary written straight into the database. */
export async function createDiary(
  db: Knex,
  authorId: number,
  overrides: Partial<{
    title: string;
    body: string;
    visibility: string;
    comments_enabled: boolean;
    created_at: Date;
  }> = {},
) {
  const [row] = await db('diaries')
    .insert({
      author_id: authorId,
      title: 'にっき',
      body: '本文です',
      visibility: 'members',
      submission_key: crypto.randomUUID(),
      ...overrides,
    })
    .returning(['id', 'title']);
  return { id: Number(row.id), title: row.title as string };
}
