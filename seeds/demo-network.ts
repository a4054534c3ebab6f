import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { tokyoDate } from '../src/lib/dates.js';
import { addProfilePhoto } from '../src/features/photos/profile-service.js';
import { saveProfile } from '../src/features/profiles/queries.js';
import { acceptFriendRequest, sendFriendRequest, writeIntroduction } from '../src/features/friends/service.js';
import { addComment as addDiaryComment, publishDiary } from '../src/features/diaries/service.js';
import { answerJoinRequest, createCommunity, joinCommunity } from '../src/features/communities/service.js';
import { addComment as addTopicComment, createTopic } from '../src/features/communities/board/board-service.js';
import { joinEvent } from '../src/features/communities/events/event-service.js';
import { markMessageRead, sendMessage } from '../src/features/messages/service.js';
import { heldMessage } from '../src/features/messages/queries.js';
import { recordVisits } from '../src/features/footprints/queries.js';
import type { PhotoStorage } from '../src/features/photos/storage.js';
import { drawPicture, type Motif } from './demo-images.js';
import * as content from './demo-content.js';
import type { Nick, TopicSeed } from './demo-content.js';

// Builds the demo network through the features' own services, so counters (friend_count,
// member_count, comment_count, participant_count, lifetime footprints) are kept exactly as the pages
// keep them, and every picture goes through the photo pipeline and storage like an upload.

type Ctx = { db: Knex; photoStorage: PhotoStorage };

const HOUR = 3600_000;

/** A service's answer that must be ok; anything else is a mistake in the demo content. */
function must<T extends { ok: boolean }>(what: string, result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`demo seed: ${what} was refused: ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

let palette = 0;
function pictures(motifs: Motif[] | undefined): Promise<Buffer[]> {
  return Promise.all((motifs ?? []).map((m) => drawPicture(m, palette++, { width: 640, height: 480 })));
}

/** Comment times: spread after the post, never in the future. */
function commentTimes(postedAt: Date, n: number, now: Date): Date[] {
  const step = Math.min(3 * HOUR, (now.getTime() - postedAt.getTime()) / (n + 1));
  return Array.from({ length: n }, (_, i) => new Date(postedAt.getTime() + (i + 1) * step));
}

export async function seedNetwork(ctx: Ctx, ids: number[], now: Date): Promise<void> {
  const { db } = ctx;
  const id = (nick: Nick): number => ids[content.PROFILES.findIndex((p) => p.nick === nick)];
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);

  for (const [i, p] of content.PROFILES.entries()) {
    await saveProfile(
      db,
      ids[i],
      {
        gender: p.gender,
        prefecture: p.prefecture,
        hobbies: p.hobbies,
        occupation: p.occupation,
        self_introduction: p.intro,
        age_visibility: 'members',
      },
      ago(24 * 30),
    );
    must(`${p.nick}'s avatar`, await addProfilePhoto(ctx, ids[i], await drawPicture(p.motif, i)));
  }

  for (const [a, b, days] of content.FRIENDSHIPS) {
    const at = ago(24 * days);
    must(
      `${a} → ${b} request`,
      await sendFriendRequest(db, { requesterId: id(a), recipientId: id(b), message: '', at }),
    );
    const request = await db('friend_requests')
      .select('id')
      .where({ requester_id: id(a), recipient_id: id(b), status: 'pending' })
      .first();
    must(
      `${b} accepting ${a}`,
      await acceptFriendRequest(db, {
        requestId: Number(request.id),
        recipientId: id(b),
        at: new Date(at.getTime() + 2 * HOUR),
      }),
    );
  }
  for (const [a, b, message] of content.PENDING_REQUESTS) {
    must(
      `${a} → ${b} request`,
      await sendFriendRequest(db, { requesterId: id(a), recipientId: id(b), message, at: ago(6) }),
    );
  }
  for (const [author, subject, body] of content.INTRODUCTIONS) {
    must(
      `${author}'s introduction`,
      await writeIntroduction(db, { authorId: id(author), subjectId: id(subject), body, at: ago(24 * 4) }),
    );
  }

  for (const d of content.DIARIES) {
    const at = ago(d.hoursAgo);
    const form = {
      title: d.title,
      body: d.body,
      visibility: d.visibility,
      comments_enabled: true,
      submission_key: randomUUID(),
    };
    const { diaryId } = must(
      `diary ${d.title}`,
      await publishDiary(ctx, { authorId: id(d.author), form, files: await pictures(d.photos), at }),
    );
    const comments = d.comments ?? [];
    for (const [[nick, body], when] of comments.map(
      (c, i) => [c, commentTimes(at, comments.length, now)[i]] as const,
    )) {
      must(
        `comment on ${d.title}`,
        await addDiaryComment(db, {
          diaryId,
          authorId: id(nick),
          form: { body, submission_key: randomUUID() },
          at: when,
        }),
      );
    }
  }

  for (const c of content.COMMUNITIES) {
    const created = ago(24 * c.daysAgo);
    const form = {
      name: c.name,
      category: c.category,
      description: c.description,
      join_policy: c.joinPolicy,
      board_visibility: 'all_members' as const,
      topic_creation: 'members' as const,
      submission_key: randomUUID(),
    };
    const photo = await drawPicture(c.motif, palette++);
    const { communityId } = must(
      `community ${c.name}`,
      await createCommunity(ctx, { ownerId: id(c.owner), form, photo, at: created }),
    );
    for (const [i, nick] of c.members.entries()) {
      const at = new Date(created.getTime() + (i + 1) * 7 * HOUR);
      const joined = must(
        `${nick} joining ${c.name}`,
        await joinCommunity(db, { communityId, memberId: id(nick), message: '', at }),
      );
      if (joined.state === 'requested') {
        const request = await db('community_join_requests')
          .select('id')
          .where({ community_id: communityId, member_id: id(nick), status: 'pending' })
          .first();
        must(
          `approving ${nick}`,
          await answerJoinRequest(db, {
            communityId,
            requestId: Number(request.id),
            actorId: id(c.owner),
            approve: true,
            at: new Date(at.getTime() + HOUR),
          }),
        );
      }
    }
    for (const [nick, message] of c.requests ?? [])
      must(`${nick}'s request`, await joinCommunity(db, { communityId, memberId: id(nick), message, at: ago(10) }));
    for (const t of c.topics) await seedTopic(ctx, id, communityId, t, now);
    if (c.event) {
      const e = c.event;
      const event = {
        event_date: tokyoDate(new Date(now.getTime() + e.inDays * 24 * HOUR)),
        deadline: tokyoDate(new Date(now.getTime() + e.deadlineInDays * 24 * HOUR)),
        date_note: e.dateNote,
        prefecture: e.prefecture,
        capacity: e.capacity,
      };
      const topicId = await seedTopic(ctx, id, communityId, e, now, event);
      // More applicants than seats: the last ones wait (キャンセル待ち).
      for (const [i, nick] of e.applicants.entries()) {
        must(`${nick} applying`, await joinEvent(db, { topicId, memberId: id(nick), at: ago(e.hoursAgo - (i + 1)) }));
      }
    }
  }

  for (const m of content.MESSAGES) {
    const form = { subject: m.subject, body: m.body, submission_key: randomUUID() };
    let last = must(
      `message ${m.subject}`,
      await sendMessage(db, {
        senderId: id(m.from),
        recipientId: id(m.to),
        replyToId: null,
        form,
        at: ago(m.hoursAgo),
      }),
    ).messageId;
    let lastTo = m.to;
    for (const [from, body, hoursAgo] of m.replies ?? []) {
      const to = from === m.from ? m.to : m.from;
      await readMessage(db, id(from), last, ago(hoursAgo + 0.5));
      const reply = { subject: `Re: ${m.subject}`, body, submission_key: randomUUID() };
      last = must(
        `reply ${body}`,
        await sendMessage(db, {
          senderId: id(from),
          recipientId: id(to),
          replyToId: last,
          form: reply,
          at: ago(hoursAgo),
        }),
      ).messageId;
      lastTo = to;
    }
    if (m.read) await readMessage(db, id(lastTo), last, ago(1));
  }

  await recordVisits(
    db,
    content.FOOTPRINTS.map(([visitor, owner, hours]) => ({
      ownerId: id(owner),
      visitorId: id(visitor),
      at: ago(hours),
    })),
  );
}

async function readMessage(db: Knex, memberId: number, messageId: number, at: Date): Promise<void> {
  const held = await heldMessage(db, memberId, messageId);
  if (held) await markMessageRead(db, held, memberId, at);
}

type EventFields = { event_date: string; deadline: string; date_note: string; prefecture: number; capacity: number };

async function seedTopic(
  ctx: Ctx,
  id: (nick: Nick) => number,
  communityId: number,
  t: TopicSeed,
  now: Date,
  event?: EventFields,
): Promise<number> {
  const at = new Date(now.getTime() - t.hoursAgo * HOUR);
  const form = { title: t.title, body: t.body, submission_key: randomUUID() };
  const authorId = id(t.author);
  const { topicId } = must(
    `topic ${t.title}`,
    await createTopic(ctx, {
      communityId,
      authorId,
      form,
      event: event && { ...form, ...event },
      files: await pictures(t.photos),
      at,
    }),
  );
  const comments = t.comments ?? [];
  const times = commentTimes(at, comments.length, now);
  for (const [i, [nick, body]] of comments.entries()) {
    must(
      `comment on ${t.title}`,
      await addTopicComment(ctx, {
        communityId,
        topicId,
        authorId: id(nick),
        form: { body, submission_key: randomUUID() },
        files: [],
        at: times[i],
      }),
    );
  }
  return topicId;
}
