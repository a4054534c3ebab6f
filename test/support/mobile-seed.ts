import crypto from 'node:crypto';
import type { TestApp } from './app.js';
import { createMember } from './factories.js';
import { makeFriends } from './friends.js';
import { createDiary } from './diaries.js';
import { createMessage } from './messages.js';
import { addMember, createCommunity, createEvent, createTopic, requestToJoin } from './communities.js';
import { addComment as addDiaryComment } from '../../src/features/diaries/service.js';
import { addComment as addTopicComment } from '../../src/features/communities/board/board-service.js';
import { joinEvent } from '../../src/features/communities/events/event-service.js';
import { recordFootprint } from '../../src/features/footprints/queries.js';
import { createNotice } from '../../src/features/notices/service.js';

// Realistic content for measuring mobile pages: full lists of 10 (and more, so that every list has
// a next page), long Japanese texts at their limits, long comments, long messages.

const SENTENCES = [
  '今日は朝から雨が降っていたので、駅前の喫茶店でゆっくり本を読みました。',
  '帰り道、商店街の八百屋さんで旬の筍を見つけて、つい買ってしまいました。',
  '夜は久しぶりに実家の母に電話をして、近況をあれこれ話しました。',
  '来週はマイミクのみんなと、多摩川の河原でバーベキューをする予定です。',
  '最近はまっているのは、昭和の歌謡曲をレコードで聴くことです。',
  '仕事が忙しくて日記を書くのが遅くなってしまいましたが、元気にしています。',
  '猫のミケが、窓辺で気持ちよさそうに昼寝をしていました。',
];

/** Japanese prose of exactly `chars` characters, with a line break every few sentences. */
export function japaneseText(chars: number, seed = 0): string {
  let out = '';
  for (let i = seed; [...out].length < chars; i++) out += SENTENCES[i % SENTENCES.length] + (i % 3 === 2 ? '\n' : '');
  return [...out].slice(0, chars).join('');
}

export type MobileSeed = Awaited<ReturnType<typeof seedMobileContent>>;

/**
 * The member whose pages are measured ("me", nickname 十文字のニックネーム) and the world around them:
 * 12 friends who each wrote a diary, a 10,000-character diary of mine with 12 comments (some of
 * 2,000 characters), a profile with a 2,000-character self-introduction and 12 introductions,
 * 25 footprints, 12 friend requests with 500-character messages, 12 messages (one of 5,000
 * characters), 12 communities, one of mine with 12 topics, a 5,000-character topic with 12 comments,
 * an event with 12 participants, 12 join requests, 12 blocks and 5 notices of 2,000 characters.
 */
export async function seedMobileContent(app: TestApp) {
  const { db } = app;
  const now = app.clock.now();
  const me = await createMember(db, { nickname: '十文字のニックネーム' });
  const friends = [];
  for (let i = 0; i < 12; i++) friends.push(await createMember(db, { nickname: `マイミク${i + 1}番目のなまえ` }));
  for (const f of friends) await makeFriends(db, me.id, f.id);
  const others = [];
  for (let i = 0; i < 25; i++) others.push(await createMember(db, { nickname: `メンバー${i + 1}のニックネーム` }));

  await db('profiles').insert({
    member_id: me.id,
    gender: 'female',
    prefecture: 13,
    hobbies: japaneseText(200, 1),
    occupation: '会社員（事務職）',
    self_introduction: japaneseText(2000, 2),
    real_name: '山田花子',
  });
  for (const [i, f] of friends.entries()) {
    await db('introductions').insert({
      subject_id: me.id,
      author_id: f.id,
      body: japaneseText(i % 3 === 0 ? 1000 : 300, i),
      updated_at: now,
    });
    await createDiary(db, f.id, {
      title: `${f.nickname}の日記：週末のできごと`,
      body: japaneseText(800, i),
      visibility: 'friends',
    });
  }

  const diary = await createDiary(db, me.id, {
    title: '十年ぶりに京都を歩いた日のこと（長文です）',
    body: japaneseText(10_000, 3),
    visibility: 'members',
  });
  for (let i = 0; i < 12; i++) {
    const author = friends[i % friends.length];
    const body = japaneseText(i % 4 === 0 ? 2000 : 200, i);
    await addDiaryComment(db, {
      diaryId: diary.id,
      authorId: author.id,
      form: { body, submission_key: crypto.randomUUID() },
      at: new Date(now.getTime() + i),
    });
  }

  for (const [i, o] of others.entries())
    await recordFootprint(db, { ownerId: me.id, visitorId: o.id, at: new Date(now.getTime() - i * 60_000) });
  for (let i = 0; i < 12; i++) {
    await db('friend_requests').insert({
      requester_id: others[i].id,
      recipient_id: me.id,
      message: japaneseText(500, i),
      status: 'pending',
    });
  }
  for (let i = 12; i < 24; i++) await db('blocks').insert({ blocker_id: me.id, blocked_id: others[i].id });

  const messageIds: number[] = [];
  for (let i = 0; i < 12; i++) {
    messageIds.push(
      await createMessage(db, friends[i].id, me.id, {
        subject: `お久しぶりです、${i + 1}月のオフ会について相談させてください`,
        body: japaneseText(i === 0 ? 5000 : 300, i),
        created_at: new Date(now.getTime() - i * 1000),
      }),
    );
  }

  const communityIds: number[] = [];
  for (let i = 0; i < 12; i++) {
    const id = await createCommunity(db, friends[i].id, {
      name: `全国の猫好きが集まるコミュニティ${i + 1}`,
      description: japaneseText(300, i),
    });
    await addMember(db, id, me.id);
    communityIds.push(id);
  }
  const mine = await createCommunity(db, me.id, {
    name: '昭和歌謡をレコードで聴く会',
    description: japaneseText(5000, 4),
    join_policy: 'approval',
  });
  for (const f of friends) await addMember(db, mine, f.id);
  const topicIds: number[] = [];
  for (let i = 0; i < 12; i++)
    topicIds.push(
      await createTopic(db, mine, friends[i].id, {
        title: `好きな曲を語りましょう その${i + 1}`,
        body: japaneseText(300, i),
      }),
    );
  const topic = await createTopic(db, mine, me.id, {
    title: '自己紹介トピック（はじめての方はこちらへ）',
    body: japaneseText(5000, 5),
  });
  for (let i = 0; i < 12; i++) {
    await addTopicComment(app.ctx, {
      communityId: mine,
      topicId: topic,
      authorId: friends[i].id,
      form: { body: japaneseText(i % 4 === 0 ? 2000 : 250, i), submission_key: crypto.randomUUID() },
      files: [],
      at: new Date(now.getTime() + i),
    });
  }
  const tomorrow = new Date(now.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
  const event = await createEvent(db, mine, me.id, {
    event_date: tomorrow,
    deadline: tomorrow,
    capacity: 10,
    title: '新宿でレコード鑑賞オフ会',
  });
  for (const f of friends) await joinEvent(db, { topicId: event, memberId: f.id, at: now });
  for (let i = 0; i < 12; i++) await requestToJoin(db, mine, others[i].id, japaneseText(500, i));

  for (let i = 0; i < 5; i++) {
    await createNotice(db, {
      title: `メンテナンスのお知らせ（${i + 1}）`,
      body: japaneseText(2000, i),
      starts_at: new Date(now.getTime() - 3600_000),
      ends_at: null,
      createdBy: null,
    });
  }

  return { me, friends, others, diary, messageIds, communityIds, mine, topic, event, topicIds };
}
