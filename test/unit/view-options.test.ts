import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../src/paths.js';
import { translator } from '../../src/i18n/index.js';
import { viewOptions } from '../../src/http/view-options.js';

const now = new Date('2026-12-07T12:00:00Z');
const locals = {
  t: translator('ja'),
  locale: 'ja',
  member: {
    id: 1,
    nickname: 'わたし',
    role: 'member',
    counts: { messages: 2, friendRequests: 1, comments: 3, communities: 0 },
  },
  csrfToken: 'tok',
  currentPath: '/m/home',
  flash: null,
  errors: {},
  values: {},
  title: 'ホーム',
  fmt: { dateTime: (d: Date) => d.toISOString(), short: (d: Date) => d.toISOString(), cut: (s: string) => s },
  pending: {
    friendRequests: 1,
    newComments: 2,
    followedComments: 1,
    unreadMessages: 2,
    joinRequests: 0,
    roleOffers: 0,
    newFootprints: 12,
    newFootprintsCapped: false,
  },
  birthdays: [{ id: 2, nickname: 'ともだち', today: true, month: 12, day: 7 }],
  milestones: [],
  hasPending: true,
  myAvatar: null,
  friends: [{ id: 2, nickname: 'ともだち' }],
  totalFriends: 1,
  avatars: new Map(),
  latest: [
    {
      kind: 'diary',
      at: now,
      id: 3,
      title: '日記<b>',
      nickname: 'ともだち',
      author_id: 2,
      link: '/diaries/3',
      hidden_at: null,
    },
    {
      kind: 'diary',
      at: now,
      id: 4,
      title: 'x',
      nickname: 'ともだち',
      author_id: 2,
      link: '/diaries/4',
      hidden_at: now,
    },
  ],
  photos: [],
  activity: [],
  communities: { items: [], total: 0 },
  notices: [],
  charset: 'Shift_JIS',
  pcUrl: '/home',
  mobilePath: '/m/home',
};

function renderOnce(file: string, options: ejs.Options): Promise<string> {
  return new Promise((resolve, reject) =>
    ejs.renderFile(file, locals, { root: VIEWS_DIR, cache: true, ...options } as ejs.Options, (err, html) =>
      err ? reject(err) : resolve(html!),
    ),
  );
}

test('views › mobile home compiled without `with` renders the same page, and its partials keep `with` for other views', async () => {
  const file = path.join(VIEWS_DIR, 'mobile', 'home.ejs');
  assert.equal(viewOptions(VIEWS_DIR, file)._with, false);
  assert.deepEqual(viewOptions(VIEWS_DIR, path.join(VIEWS_DIR, 'pc', 'home.ejs')), {});
  ejs.clearCache();
  const plain = await renderOnce(file, {});
  ejs.clearCache();
  const fast = await renderOnce(file, viewOptions(VIEWS_DIR, file));
  assert.match(fast, /日記&lt;b&gt;/);
  assert.equal(fast, plain);
  // Cached: the second render reads the cache, and the head partial is cached twice, once per way.
  assert.equal(await renderOnce(file, viewOptions(VIEWS_DIR, file)), plain);
  const head = path.join(VIEWS_DIR, 'mobile', 'partials', 'head.ejs');
  assert.ok(ejs.cache.get(`${head}#without-with`));
  ejs.clearCache();
});
