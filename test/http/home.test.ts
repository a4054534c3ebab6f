import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { createNotice } from '../../src/features/notices/service.js';
import { createMessage } from '../support/messages.js';
import { createCommunity } from '../support/communities.js';
import { loggedInHandset } from '../support/mobile.js';
import { addComment } from '../../src/features/diaries/service.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

test('home › a new member sees helpful empty states and the notices', async () => {
  const m = await createMember(app.db, { nickname: 'しんじん' });
  await createNotice(app.db, {
    title: 'ようこそあしあとへ',
    body: 'まずはプロフィールを書いてみましょう。',
    starts_at: new Date(Date.now() - 60_000),
    ends_at: null,
    createdBy: null,
  });
  await createNotice(app.db, {
    title: '終わったお知らせ',
    body: 'x',
    starts_at: new Date(Date.now() - 7200_000),
    ends_at: new Date(Date.now() - 3600_000),
    createdBy: null,
  });
  const agent = await loggedInAgent(app, m);
  const text = textOf((await agent.get('/home')).text);
  assert.match(text, /こんにちは、しんじんさん/);
  assert.match(text, /まだマイミクがいません/);
  assert.match(text, /メンバーを探す/);
  assert.match(text, /コミュニティを探す/);
  assert.match(text, /ようこそあしあとへ/);
  assert.doesNotMatch(text, /終わったお知らせ/);
  assert.doesNotMatch(text, /お知らせ お知らせ/);
});

test("home › shows friends, their visible diaries and photos — never a friends-only diary of a non-friend or a blocked member's", async () => {
  const me = await createMember(app.db, { nickname: 'わたし' });
  const friend = await createMember(app.db, { nickname: 'ともだち' });
  const stranger = await createMember(app.db, { nickname: 'しらないひと' });
  await makeFriends(app.db, me.id, friend.id);
  await createDiary(app.db, friend.id, { title: '友だちの公開日記', visibility: 'friends' });
  await createDiary(app.db, friend.id, { title: '友だちの秘密', visibility: 'only_me' });
  await createDiary(app.db, stranger.id, { title: '他人の友だち限定', visibility: 'friends' });
  const agent = await loggedInAgent(app, me);
  const text = textOf((await agent.get('/home')).text);
  assert.match(text, /ともだち/);
  assert.match(text, /友だちの公開日記/);
  assert.doesNotMatch(text, /友だちの秘密/);
  assert.doesNotMatch(text, /他人の友だち限定/);
  // Blocking ends the friendship: the diary leaves home on the next request.
  await app.db.transaction(async (trx) => {
    await trx('blocks').insert({ blocker_id: friend.id, blocked_id: me.id });
    await trx('friendships')
      .where({ member_id: me.id, friend_id: friend.id })
      .orWhere({ member_id: friend.id, friend_id: me.id })
      .delete();
  });
  assert.doesNotMatch(textOf((await agent.get('/home')).text), /友だちの公開日記/);
});

test('home › pending items count friend requests and new diary comments, and clear once seen', async () => {
  const me = await createMember(app.db);
  const other = await createMember(app.db);
  const d = await createDiary(app.db, me.id, { title: 'コメントされる' });
  await app.db('friend_requests').insert({ requester_id: other.id, recipient_id: me.id });
  await app.db.transaction(async (trx) => {
    await trx('diary_comments').insert({
      diary_id: d.id,
      diary_author_id: me.id,
      number: 1,
      author_id: other.id,
      body: 'やあ',
      submission_key: crypto.randomUUID(),
    });
    await trx('diaries')
      .where({ id: d.id })
      .update({ last_comment_no: 1, comment_count: 1, last_comment_at: new Date() });
  });
  const agent = await loggedInAgent(app, me);
  const home = await agent.get('/home');
  assert.match(home.text, /<a href="\/friends\/requests">マイミク申請が1件あります<\/a>/);
  assert.match(home.text, /<a href="\/diaries\/comments">日記に新着コメントが1件あります<\/a>/);
  await agent.get(`/diaries/${d.id}`);
  const req = await app.db('friend_requests').where({ recipient_id: me.id }).first();
  await agent.post(`/friends/requests/${req.id}/decline`, {}, { tokenFrom: '/friends/requests' });
  const after = textOf((await agent.get('/home')).text);
  assert.doesNotMatch(after, /マイミク申請が/);
  assert.doesNotMatch(after, /新着コメント/);
});

test('home › notice bodies are plain text: markup is inert', async () => {
  const m = await createMember(app.db);
  await createNotice(app.db, {
    title: '<script>alert(1)</script>',
    body: '<img src=x onerror=alert(1)>',
    starts_at: new Date(app.clock.now().getTime() - 1000),
    ends_at: null,
    createdBy: null,
  });
  const page = await (await loggedInAgent(app, m)).get('/home');
  assert.doesNotMatch(page.text, /<script>alert|<img src=x/);
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

async function queriesForHome(memberPhone: string, password: string): Promise<number> {
  const agent = await loggedInAgent(app, { phone: memberPhone, password });
  await agent.get('/home'); // warm: session saved, nothing lazy left
  let count = 0;
  const listener = () => {
    count++;
  };
  app.ctx.db.on('query', listener);
  try {
    assert.equal((await agent.get('/home')).status, 200);
  } finally {
    app.ctx.db.removeListener('query', listener);
  }
  return count;
}

test('home › the number of queries is the same for a member with 1 friend and one with 300', async () => {
  const few = await createMember(app.db);
  const many = await createMember(app.db);
  const f = await createMember(app.db);
  await makeFriends(app.db, few.id, f.id);
  await createDiary(app.db, f.id, { title: 'ひとり' });
  const rows: { member_id: number; friend_id: number }[] = [];
  const ids: number[] = [];
  for (let i = 0; i < 300; i++) ids.push((await createMember(app.db)).id);
  for (const id of ids) rows.push({ member_id: many.id, friend_id: id }, { member_id: id, friend_id: many.id });
  await app.db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) await trx('friendships').insert(rows.slice(i, i + 200));
  });
  for (const id of ids.slice(0, 50)) await createDiary(app.db, id, { title: `日記${id}` });
  const a = await queriesForHome(few.phone, few.password);
  const b = await queriesForHome(many.phone, many.password);
  assert.equal(a, b, `1 friend: ${a} queries, 300 friends: ${b}`);
  assert.ok(a <= 20, `home takes ${a} queries`);
});

/** The Tokyo date `days` after the app clock's today, as a birth date in 1988 (a leap year) with its month and day. */
function birthDateIn(days: number): { birth_date: string; month: number; day: number } {
  const d = new Date(app.clock.now().getTime() + 9 * 3600_000 + days * 86_400_000);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return { birth_date: `1988-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, month, day };
}

test("home › friends' birthdays today and in the next 7 days appear in お知らせ, only when visible to friends", async () => {
  const me = await createMember(app.db, { nickname: 'わたし' });
  const soon = birthDateIn(3);
  const today = birthDateIn(0);
  const friendSoon = await createMember(app.db, { nickname: 'もうすぐ', birth_date: soon.birth_date });
  const friendToday = await createMember(app.db, { nickname: 'きょうのひと', birth_date: today.birth_date });
  const friendHidden = await createMember(app.db, { nickname: 'ひみつ', birth_date: soon.birth_date });
  const friendOwnSetting = await createMember(app.db, { nickname: 'じぶんだけ', birth_date: today.birth_date });
  const friendLater = await createMember(app.db, { nickname: 'まだまだ', birth_date: birthDateIn(10).birth_date });
  const stranger = await createMember(app.db, { nickname: 'たにん', birth_date: today.birth_date });
  for (const f of [friendSoon, friendToday, friendHidden, friendOwnSetting, friendLater])
    await makeFriends(app.db, me.id, f.id);
  await app.db('profiles').insert([
    { member_id: friendSoon.id, birthday_visibility: 'friends' },
    { member_id: friendToday.id, birthday_visibility: 'members' },
    { member_id: friendOwnSetting.id, birthday_visibility: 'only_me' },
    { member_id: friendLater.id, birthday_visibility: 'members' },
    { member_id: stranger.id, birthday_visibility: 'members' },
  ]);
  // friendHidden has no profile row: the birthday's default visibility is only_me.
  const home = await (await loggedInAgent(app, me)).get('/home');
  const text = textOf(home.text);
  assert.match(text, new RegExp(`${soon.month}月${soon.day}日はもうすぐさんの誕生日です`));
  assert.match(text, /今日はきょうのひとさんの誕生日です/);
  assert.match(home.text, new RegExp(`<a href="/members/${friendToday.id}">今日はきょうのひとさんの誕生日です</a>`));
  assert.doesNotMatch(text, /ひみつさんの誕生日/);
  assert.doesNotMatch(text, /じぶんだけさんの誕生日/);
  assert.doesNotMatch(text, /まだまださんの誕生日/);
  assert.doesNotMatch(text, /たにんさんの誕生日/);
  // The mobile home shows them too.
  const handset = await loggedInHandset(app, me);
  const mobile = textOf((await handset.get('/m/home')).text);
  assert.match(mobile, /今日はきょうのひとさんの誕生日です/);
  assert.doesNotMatch(mobile, /ひみつさんの誕生日/);
});

test('home › new comments on a diary I commented on appear in お知らせ, not once the diary is out of my sight', async () => {
  const me = await createMember(app.db);
  const author = await createMember(app.db, { nickname: 'かきて' });
  const d = await createDiary(app.db, author.id, { title: 'コメントした日記' });
  const gone = await createDiary(app.db, author.id, { title: 'もう見えない日記' });
  const comment = (diaryId: number, authorId: number, body: string) =>
    addComment(app.db, { diaryId, authorId, form: { body, submission_key: crypto.randomUUID() }, at: new Date() });
  for (const id of [d.id, gone.id]) {
    await comment(id, me.id, 'はじめまして');
    await comment(id, author.id, 'ありがとう');
    await comment(id, author.id, 'またどうぞ');
  }
  // The comments' transactions marked my rows behind; the author's own diary needs no row.
  assert.deepEqual(
    await app.db('diary_reads').where({ member_id: me.id }).orderBy('diary_id').select('last_read_no', 'behind'),
    [
      { last_read_no: 1, behind: true },
      { last_read_no: 1, behind: true },
    ],
  );
  await app.db('diaries').where({ id: gone.id }).update({ visibility: 'only_me' });
  const agent = await loggedInAgent(app, me);
  const home = await agent.get('/home');
  assert.match(home.text, /<a href="\/diaries\/comments">コメントした日記に新着コメントが1件あります<\/a>/);
  // Reading the diary clears it.
  await agent.get(`/diaries/${d.id}`);
  assert.deepEqual(
    await app.db('diary_reads').where({ member_id: me.id, diary_id: d.id }).first('last_read_no', 'behind'),
    { last_read_no: 3, behind: false },
  );
  const after = await agent.get('/home');
  assert.doesNotMatch(textOf(after.text), /コメントした日記に新着コメント/);
  // My own next comment keeps me read up; the author's next one marks me behind again.
  await comment(d.id, me.id, 'もう一度');
  assert.equal((await app.db('diary_reads').where({ member_id: me.id, diary_id: d.id }).first()).behind, false);
  await comment(d.id, author.id, 'どうも');
  assert.match((await agent.get('/home')).text, /コメントした日記に新着コメントが1件あります/);
});

test('header › an ordinary page shows unread messages and pending requests beside their links, PC and mobile', async () => {
  const me = await createMember(app.db);
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  await createMessage(app.db, a.id, me.id);
  await createMessage(app.db, b.id, me.id);
  await app.db('friend_requests').insert({ requester_id: a.id, recipient_id: me.id });
  const d = await createDiary(app.db, me.id, { title: 'コメントされた' });
  await app.db('diaries').where({ id: d.id }).update({ last_comment_no: 1, comment_count: 1 });
  const agent = await loggedInAgent(app, me);
  const page = await agent.get('/settings');
  assert.equal(page.status, 200);
  assert.match(page.text, /<a href="\/diaries\/comments">日記<span class="nav-count">\(1\)<\/span><\/a>/);
  assert.match(page.text, /<a href="\/messages">メッセージ<span class="nav-count">\(2\)<\/span><\/a>/);
  assert.match(page.text, /<a href="\/friends\/requests">マイミク<span class="nav-count">\(1\)<\/span><\/a>/);
  const handset = await loggedInHandset(app, me);
  const mobile = textOf((await handset.get('/m/settings')).text);
  assert.match(mobile, /メッセージ\(2\)/);
  assert.match(mobile, /マイミク\(1\)/);
  assert.match(mobile, /日記\(1\)/);
  // Once read, the count is gone from the next page.
  await app.db('message_copies').where({ member_id: me.id, box: 'received' }).update({ read_at: new Date() });
  await agent.get(`/diaries/${d.id}`);
  const later = await agent.get('/settings');
  assert.match(later.text, /<a href="\/messages">メッセージ<\/a>/);
  assert.match(later.text, /<a href="\/diaries\/friends">日記<\/a>/);
  // A member with nothing new sees the plain links.
  const quiet = await loggedInAgent(app, b);
  assert.doesNotMatch((await quiet.get('/settings')).text, /nav-count/);
});

test('home › a friend or community without a photo gets its initial in a coloured square, not an empty one', async () => {
  const me = await createMember(app.db, { nickname: 'わたし' });
  const friend = await createMember(app.db, { nickname: 'さくら' });
  await makeFriends(app.db, me.id, friend.id);
  const communityId = await createCommunity(app.db, me.id, { name: 'ねこ部' });
  const home = (await (await loggedInAgent(app, me)).get('/home')).text;
  assert.match(
    home,
    new RegExp(
      `<span class="avatar avatar-small avatar-none avatar-initial avatar-hue-${friend.id % 6}" aria-hidden="true">さ</span><span class="name">さくら</span>`,
    ),
  );
  assert.match(
    home,
    new RegExp(
      `<a href="/communities/${communityId}"><span class="avatar avatar-small avatar-none avatar-initial avatar-hue-${communityId % 6}" aria-hidden="true">ね</span>`,
    ),
  );
  // My own box in the side column: the placeholder, my nickname and the profile links.
  assert.match(
    home,
    /<span class="avatar avatar-medium avatar-none avatar-initial avatar-hue-\d" aria-hidden="true">わ<\/span>/,
  );
  assert.match(home, /<a href="\/profile\/edit">プロフィールを編集<\/a>/);
  assert.doesNotMatch(home, /avatar-none" aria-hidden="true"><\/span>/);
});

test("home › friends' latest photos merge diary and album photos newest first; only-me albums and hidden friends stay out", async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: 'しゃしんか' });
  await makeFriends(app.db, me.id, friend.id);
  const photo = async (kind: 'diary' | 'album', at: Date) =>
    (
      await app
        .db('photos')
        .insert({
          owner_id: friend.id,
          kind,
          storage_key: crypto.randomBytes(16).toString('hex'),
          width: 10,
          height: 10,
          created_at: at,
        })
        .returning('id')
    )[0].id as number;
  const t0 = app.clock.now().getTime();
  const d = await createDiary(app.db, friend.id, { title: '写真つき日記', visibility: 'friends' });
  const diaryPhoto = await photo('diary', new Date(t0 - 3000));
  await app.db('diary_photos').insert({ diary_id: d.id, photo_id: diaryPhoto, position: 1 });
  const [album] = await app
    .db('albums')
    .insert({ owner_id: friend.id, title: '旅行', visibility: 'friends' })
    .returning('id');
  const [secret] = await app
    .db('albums')
    .insert({ owner_id: friend.id, title: 'ひみつ', visibility: 'only_me' })
    .returning('id');
  const albumPhoto = await photo('album', new Date(t0 - 1000));
  const secretPhoto = await photo('album', new Date(t0 - 500));
  await app.db('album_photos').insert([
    { album_id: album.id, photo_id: albumPhoto, position: 1 },
    { album_id: secret.id, photo_id: secretPhoto, position: 1 },
  ]);

  const agent = await loggedInAgent(app, me);
  const strip = (html: string) =>
    [...html.matchAll(/<a href="(\/(?:diaries|albums)\/\d+)"><img src="\/photos\/(\d+)\/sq76"/g)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
  assert.deepEqual(strip((await agent.get('/home')).text), [
    [`/albums/${album.id}`, albumPhoto],
    [`/diaries/${d.id}`, diaryPhoto],
  ]);
  const mobile = await loggedInHandset(app, me);
  assert.match(
    (await mobile.get('/m/home')).text,
    new RegExp(`<a href="/m/albums/${album.id}"><img src="/photos/${albumPhoto}/m120"`),
  );
  // Hiding the friend's updates takes both kinds of photo off home.
  await app.db('friendships').where({ member_id: me.id, friend_id: friend.id }).update({ hide_updates: true });
  assert.deepEqual(strip((await agent.get('/home')).text), []);
});
