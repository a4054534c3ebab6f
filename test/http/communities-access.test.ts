import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import type { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import {
  addMember,
  createCommunity,
  createEvent,
  MANY_LOGINS,
  membership,
  requestToJoin,
} from '../support/communities.js';
import { multipartBody, postRaw } from '../support/multipart.js';
import * as img from '../support/images.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';

// SECURITY 25 and 28 for communities: join policy × board visibility × viewer, on the board, topics,
// events and their photos. Forbidden is the same 404 page as a missing one; posting asks membership.

let app: TestApp;
let close: () => Promise<void>;
before(async () => {
  ({ app, close } = await startPhotoApp({ limits: MANY_LOGINS }));
});
after(() => close());

const VIEWERS = ['non-member', 'pending applicant', 'member', 'sub-manager', 'owner', 'banned', 'removed'] as const;
type Viewer = (typeof VIEWERS)[number];

/** What each viewer may do: read the board (everything on it), and post. */
function expected(viewer: Viewer, visibility: 'all_members' | 'community_members') {
  const inside = viewer === 'member' || viewer === 'sub-manager' || viewer === 'owner';
  const read = viewer !== 'banned' && (visibility === 'all_members' || inside);
  return { read, post: inside };
}

/** What a page says (its <main>), without the header and footer links that name its own URL. */
const samePage = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));

async function withPhoto(agent: Agent, formPath: string, action: string, fields: Record<string, string>) {
  await agent.get(formPath);
  const res = await postRaw(
    agent,
    action,
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      ...Object.entries(fields).map(([name, value]) => ({ name, value })),
      { name: 'photos', filename: 'a.jpg', data: await img.jpeg(64, 64) },
    ]),
  );
  assert.equal(res.status, 303, `${action}: ${res.status}`);
  return res;
}

for (const policy of ['open', 'approval'] as const) {
  for (const visibility of ['all_members', 'community_members'] as const) {
    test(`access › ${policy} community, board for ${visibility}: every viewer sees exactly what they may`, async () => {
      const owner = await createMember(app.db);
      const id = await createCommunity(app.db, owner.id, { join_policy: policy, board_visibility: visibility });
      const people = {} as Record<Viewer, { id: number; agent: Agent }>;
      for (const v of VIEWERS) {
        const m = v === 'owner' ? owner : await createMember(app.db);
        if (v === 'member' || v === 'banned' || v === 'removed') await addMember(app.db, id, m.id);
        if (v === 'sub-manager') await addMember(app.db, id, m.id, 'sub_manager');
        if (v === 'pending applicant') await requestToJoin(app.db, id, m.id, 'いれてください');
        people[v] = { id: m.id, agent: await loggedInAgent(app, m) };
      }
      const boss = people.owner.agent;
      const topic = await withPhoto(boss, `/communities/${id}/topics/new`, `/communities/${id}/topics`, {
        title: 'トピック',
        body: '本文',
        submission_key: crypto.randomUUID(),
      });
      const topicId = Number(/topics\/(\d+)$/.exec(topic.location!)![1]);
      await withPhoto(
        people.member.agent,
        `/communities/${id}/topics/${topicId}`,
        `/communities/${id}/topics/${topicId}/comments`,
        { body: 'コメント', submission_key: crypto.randomUUID() },
      );
      const eventId = await createEvent(app.db, id, owner.id, {
        event_date: '2099-12-31',
        deadline: '2099-12-01',
        capacity: 10,
      });
      const [topicPhoto] = await app
        .db('community_post_photos')
        .select('photo_id')
        .where({ topic_id: topicId })
        .whereNull('comment_id');
      const [commentPhoto] = await app
        .db('community_post_photos')
        .select('photo_id')
        .where({ topic_id: topicId })
        .whereNotNull('comment_id');

      // Banned and removed were members who could read a moment ago; the manager acts, and the next request sees it.
      for (const v of ['banned', 'removed'] as const)
        assert.equal((await people[v].agent.get(`/communities/${id}/topics/${topicId}`)).status, 200);
      await boss.get(`/communities/${id}/manage/members`);
      assert.equal((await boss.post(`/communities/${id}/bans`, { member_id: String(people.banned.id) })).status, 303);
      assert.equal((await boss.post(`/communities/${id}/members/${people.removed.id}/remove`, {})).status, 303);
      assert.equal(await membership(app.db, id, people.removed.id), null);

      for (const v of VIEWERS) {
        const { agent } = people[v];
        const may = expected(v, visibility);
        const missing = await agent.get(`/communities/${id}/topics/999999999`);
        assert.equal(missing.status, 404);
        assert.equal(
          (await agent.get(`/communities/${id}`)).status,
          200,
          `${v}: the community page is for every member`,
        );
        const pages = [
          `/communities/${id}/topics`,
          `/communities/${id}/topics/${topicId}`,
          `/communities/${id}/events`,
          `/communities/${id}/topics/${eventId}`,
        ];
        for (const path of pages) {
          const res = await agent.get(path);
          assert.equal(res.status, may.read ? 200 : 404, `${v} GET ${path}`);
          if (!may.read)
            assert.equal(
              samePage(res.text),
              samePage(missing.text),
              `${v} GET ${path}: the same page as a missing topic`,
            );
        }
        for (const photoId of [topicPhoto.photo_id, commentPhoto.photo_id]) {
          assert.equal(
            (await fetchPhoto(agent, `/photos/${photoId}/sq180`)).status,
            may.read ? 200 : 404,
            `${v} photo ${photoId}`,
          );
        }
        await agent.get(`/communities/${id}`);
        const comment = await agent.post(`/communities/${id}/topics/${topicId}/comments`, {
          body: `${v}のコメント`,
          submission_key: crypto.randomUUID(),
        });
        assert.equal(comment.status, may.post ? 303 : may.read ? 403 : 404, `${v} POST comment`);
        const join = await agent.post(`/communities/${id}/topics/${eventId}/participants`, {});
        assert.equal(join.status, may.post ? 303 : may.read ? 403 : 404, `${v} POST event participation`);
        const newTopic = await agent.get(`/communities/${id}/topics/new`);
        assert.equal(newTopic.status, may.post ? 200 : may.read ? 403 : 404, `${v} GET new topic`);
      }
      const written = await app.db('community_comments').select('author_id').where({ topic_id: topicId });
      const posters = new Set(written.map((r) => r.author_id));
      for (const v of VIEWERS)
        assert.equal(posters.has(people[v].id), expected(v, visibility).post || v === 'member', v);
    });
  }
}

test('access › a pending applicant cannot post even where the board is open to all members', async () => {
  const owner = await createMember(app.db);
  const applicant = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval', board_visibility: 'all_members' });
  await requestToJoin(app.db, id, applicant.id);
  const agent = await loggedInAgent(app, applicant);
  await agent.get(`/communities/${id}/topics`);
  const res = await agent.post(`/communities/${id}/topics`, {
    title: 'まだ',
    body: '申請中',
    submission_key: crypto.randomUUID(),
  });
  assert.equal(res.status, 403);
  assert.equal(await app.db('community_topics').where({ community_id: id }).first(), undefined);
});
