import http from 'node:http';
import type { Knex } from 'knex';
import type { Agent } from './agent.js';

export type FootprintRow = { visited_on: string; visit_count: number; last_visited_at: Date };

/** The footprint rows one visitor left on one owner's pages, oldest day first. */
export function footprintRows(db: Knex, ownerId: number, visitorId: number): Promise<FootprintRow[]> {
  return db('footprints')
    .select('visited_on', 'visit_count', 'last_visited_at')
    .where({ owner_id: ownerId, visitor_id: visitorId })
    .orderBy('visited_on');
}

export async function lifetimeVisitsOf(db: Knex, memberId: number): Promise<number> {
  const row = await db('footprint_counters').select('lifetime_visits').where({ member_id: memberId }).first();
  return Number(row?.lifetime_visits ?? 0);
}

/** Headers a browser sends when the member clicks a link on this site. */
export const SAME_SITE_NAVIGATION: Record<string, string> = {
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
};

/**
 * A request with exactly these headers and the agent's cookies. Node's fetch (which Agent uses)
 * replaces any Sec-Fetch-Mode with `cors`, so it can act neither as a navigation nor as a feature
 * phone that sends no Sec-Fetch headers at all; footprints depend on both.
 */
export function exactRequest(
  agent: Agent,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, agent.baseUrl),
      { method: opts.method ?? 'GET', headers: { ...opts.headers, cookie } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The member clicks a link to `path` on this site. */
export function navigate(agent: Agent, path: string) {
  return exactRequest(agent, path, { headers: SAME_SITE_NAVIGATION });
}
