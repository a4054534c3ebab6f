import type { Knex } from 'knex';
import type { HeaderCounts } from '../../http/session-member.js';
import { jsonDate, runPrepared } from '../../db/prepared.js';
import { NEW_COUNT_CAP } from '../footprints/service.js';
import type { NoticeRow } from '../notices/service.js';
import { avatarOf, type Avatar } from '../profiles/avatars.js';
import { photoUrl } from '../photos/variants.js';
import { withPhotoUrls } from './community-sections.js';
import { HOME_STATEMENT, type HomeRow } from './queries.js';

// Home (SPEC §7): one fixed layout, the same sections for everyone, read in one statement (every
// section its feature's own SQL, see queries.ts) — however many friends or communities the member
// has, no per-friend or per-item query (test/http/home.test.ts counts them).

/** How many items each section shows: the PC page's, unless the mobile home asks for fewer. */
export const HOME_SECTION_SIZES = { friends: 9, diaries: 5, photos: 5, activity: 5, communities: 9 };
export type HomeSectionSizes = typeof HOME_SECTION_SIZES;

/** `counts`: what the session's read of the member already counted (src/http/session-member.ts). */
export async function loadDashboard(
  db: Knex,
  memberId: number,
  now: Date,
  counts: HeaderCounts,
  shown: HomeSectionSizes = HOME_SECTION_SIZES,
) {
  const [row] = await runPrepared<HomeRow>(db, HOME_STATEMENT, [
    memberId,
    now,
    shown.friends,
    shown.diaries,
    shown.photos,
    shown.activity,
    shown.communities,
  ]);
  const avatars = new Map<number, Avatar>(row.friends.map((f) => [f.id, avatarOf(f.photo_id)]));
  const latest = [
    ...row.diaries.map((d) => ({
      kind: 'diary' as const,
      at: jsonDate(d.created_at),
      id: d.id,
      title: d.title,
      nickname: d.nickname,
      author_id: d.author_id,
      link: `/diaries/${d.id}`,
      hidden_at: jsonDate(d.hidden_at),
    })),
    ...row.external.map((e) => ({
      kind: 'external' as const,
      at: jsonDate(e.published_at),
      id: e.id,
      title: e.title,
      nickname: e.nickname,
      author_id: e.member_id,
      link: e.link,
      hidden_at: null,
    })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, shown.diaries);

  const pending = {
    friendRequests: counts.friendRequests,
    newComments: counts.comments,
    followedComments: row.followed_comments,
    unreadMessages: counts.messages,
    joinRequests: counts.joinRequests,
    roleOffers: counts.roleOffers,
    newFootprints: row.new_footprints,
    newFootprintsCapped: row.new_footprints >= NEW_COUNT_CAP,
  };
  // Friends' birthdays (today and the next days), shown with the pending items: month and day only.
  // キリ番 reached in the last days (footprints/CONTEXT.md, "Milestones"); the visitor only when still visible.
  const milestones = row.milestones.map((m) => ({
    number: Number(m.number),
    visitorId: m.visitor_id,
    nickname: m.nickname,
  }));
  const birthdays = row.birthdays.map((b) => ({
    id: b.id,
    nickname: b.nickname,
    today: b.in_days === 0,
    month: Number(b.day.slice(5, 7)),
    day: Number(b.day.slice(8, 10)),
  }));
  return {
    pending,
    birthdays,
    milestones,
    hasPending:
      Object.values(pending).some((v) => typeof v === 'number' && v > 0) ||
      birthdays.length > 0 ||
      milestones.length > 0,
    myAvatar: avatarOf(row.my_photo_id),
    friends: row.friends.map((f) => ({ id: f.id, nickname: f.nickname })),
    totalFriends: Number(row.total_friends ?? 0),
    avatars,
    latest,
    // Diary and album photos, newest first (albums/CONTEXT.md: home's friends' latest photos).
    photos: [
      ...row.photos.map((p) => ({
        id: p.photo_id,
        at: jsonDate(p.created_at),
        link: `/diaries/${p.diary_id}`,
        nickname: p.nickname,
      })),
      ...row.album_photos.map((p) => ({
        id: p.photo_id,
        at: jsonDate(p.created_at),
        link: `/albums/${p.album_id}`,
        nickname: p.nickname,
      })),
    ]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id)
      .slice(0, shown.photos)
      .map((p) => ({ id: p.id, url: photoUrl(p.id, 'sq76'), link: p.link, nickname: p.nickname })),
    activity: row.activity.map((a) => ({ ...a, at: jsonDate(a.at), hidden_at: jsonDate(a.hidden_at) })),
    communities: {
      items: withPhotoUrls(row.communities.map((c) => ({ ...c, hidden_at: jsonDate(c.hidden_at) }))),
      total: row.total_communities,
    },
    notices: row.notices.map((n): NoticeRow => ({
      ...n,
      starts_at: jsonDate(n.starts_at),
      ends_at: jsonDate(n.ends_at),
    })),
  };
}
