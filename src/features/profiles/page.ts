import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { jsonDate, jsonRows, runPrepared } from '../../db/prepared.js';
import { notFound } from '../../http/errors.js';
import { tokyoDate } from '../../lib/dates.js';
import { prefectureName } from '../../lib/prefectures.js';
import { notBlockedSql } from '../blocks/queries.js';
import { communitiesOfMemberSql, communityCountSql, withPhotoUrls } from '../communities/queries.js';
import { diariesByAuthorSql } from '../diaries/queries.js';
import { albumsByOwnerSql } from '../albums/queries.js';
import { recordFootprintOnView } from '../footprints/record.js';
import {
  friendsPageSql,
  introductionExistsSql,
  introductionsAboutSql,
  openRequestStatusSql,
} from '../friends/queries.js';
import { mainPhotoIdSql } from '../photos/profile-queries.js';
import { photoUrl } from '../photos/variants.js';
import { avatarOf, type Avatar } from './avatars.js';
import { profileAsSeenBySql, type ProfileView } from './queries.js';
import { idParam } from '../../http/params.js';

// What the profile page shows (SPEC §2), for the PC page and the mobile one, which ask for fewer
// items in each section and format the texts their own way.

/** The profile's フォトアルバム section: the latest albums the viewer may see, in the page's one statement. */
const PROFILE_ALBUMS = 3;

export type ProfileSectionSizes = { friends: number; diaries: number; communities: number };

function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export type LastLoginRange = 'hour' | 'day' | 'threeDays' | 'longer';

/**
 * 最終ログイン as mixi showed it: a coarse range (1時間以内 / 1日以内 / 3日以内 / 3日以上), never the
 * time itself — last-seen moves only every few minutes anyway (LAST_SEEN_WRITE_MS). Null: hidden by
 * the member, or never seen since it was recorded.
 */
export function lastLoginRange(lastSeen: Date | null, now: Date): LastLoginRange | null {
  if (!lastSeen) return null;
  const hours = (now.getTime() - lastSeen.getTime()) / 3_600_000;
  return hours <= 1 ? 'hour' : hours <= 24 ? 'day' : hours <= 72 ? 'threeDays' : 'longer';
}

/**
 * The whole page in one statement, each part its feature's own SQL: $1 the owner, $2 the viewer,
 * $3–$5 the sizes of the friends, diaries and communities sections. No row: missing, withdrawn,
 * suspended or blocked either way.
 */
const PROFILE_PAGE = {
  name: 'profile-page',
  text: `SELECT p.*, ${mainPhotoIdSql('p.id')} AS photo_id,
      ${jsonRows(`SELECT f.id, f.nickname, f.created_at, ${mainPhotoIdSql('f.id')} AS photo_id FROM (${friendsPageSql('$1', '$3')}) f`)} AS friends,
      ${jsonRows(`SELECT i.*, ${mainPhotoIdSql('i.author_id')} AS photo_id FROM (${introductionsAboutSql('$1')}) i`)} AS introductions,
      (${openRequestStatusSql('$2', '$1')}) AS sent_status,
      (${openRequestStatusSql('$1', '$2')}) AS received_status,
      ${introductionExistsSql('$1', '$2')} AS wrote_introduction,
      coalesce((SELECT hide_updates FROM friendships WHERE member_id = $2 AND friend_id = $1), false) AS hides_updates,
      ${jsonRows(diariesByAuthorSql('$1', '$2', '$4', { relationship: 'p.relationship' }))} AS latest_diaries,
      ${jsonRows(albumsByOwnerSql('$1', '$2', String(PROFILE_ALBUMS), 'p.relationship'))} AS latest_albums,
      ${jsonRows(communitiesOfMemberSql('$1', '$5'))} AS communities,
      (${communityCountSql('$1')}) AS total_communities
    FROM (${profileAsSeenBySql('$1', '$2')}) p
    WHERE p.id = $2 OR ${notBlockedSql('$1', '$2')}`,
};

type ProfilePageRow = ProfileView & {
  photo_id: number | null;
  friends: { id: number; nickname: string; created_at: string; photo_id: number | null }[];
  introductions: { author_id: number; nickname: string; body: string; updated_at: string; photo_id: number | null }[];
  sent_status: string | null;
  received_status: string | null;
  wrote_introduction: boolean;
  hides_updates: boolean;
  latest_diaries: {
    id: number;
    author_id: number;
    nickname: string;
    title: string;
    comment_count: number;
    created_at: string;
    hidden_at: string | null;
    hidden_reason: string | null;
  }[];
  latest_albums: {
    id: number;
    title: string;
    photo_count: number;
    updated_at: string;
    cover_photo_id: number | null;
  }[];
  communities: {
    id: number;
    name: string;
    category: string;
    member_count: number;
    photo_id: number | null;
    hidden_at: string | null;
    role: string;
    joined_at: string;
  }[];
  total_communities: number;
};

/**
 * The profile in the URL as the viewer may see it: missing, withdrawn, suspended and
 * blocked-either-way are one 404. Opening it by a same-site navigation leaves a footprint
 * (`countVisit: false` for follow-up pages of the same profile), written while the page is read:
 * the footprint statement refuses exactly the visits this page would answer with a 404.
 */
export async function loadProfilePage(
  ctx: AppContext,
  req: Request,
  sizes: ProfileSectionSizes,
  opts: { countVisit: boolean } = { countVisit: true },
) {
  const id = idParam(req);
  const viewer = req.member!;
  const [[row]] = await Promise.all([
    ctx.reads.read(req, (r) =>
      runPrepared<ProfilePageRow>(r, PROFILE_PAGE, [id, viewer.id, sizes.friends, sizes.diaries, sizes.communities]),
    ),
    opts.countVisit ? recordFootprintOnView(ctx, req, id) : null,
  ]);
  if (!row) throw notFound();
  const {
    photo_id,
    friends,
    introductions,
    sent_status,
    received_status,
    wrote_introduction,
    hides_updates,
    latest_diaries,
    latest_albums,
    communities,
    total_communities,
    last_seen_at,
    ...profile
  } = row;

  const avatars = new Map<number, Avatar>([[profile.id, avatarOf(photo_id)]]);
  for (const f of friends) avatars.set(f.id, avatarOf(f.photo_id));
  for (const i of introductions) avatars.set(i.author_id, avatarOf(i.photo_id));
  const isSelf = profile.id === viewer.id;
  const today = tokyoDate(ctx.clock.now());
  return {
    title: profile.nickname,
    profile: profile as Omit<ProfileView, 'last_seen_at'>,
    lastLogin: lastLoginRange(last_seen_at, ctx.clock.now()),
    mainPhotoId: photo_id,
    avatar: avatars.get(profile.id) ?? null,
    avatars,
    isSelf,
    isFriend: profile.relationship === 2,
    requestSent: !isSelf && sent_status !== null,
    requestReceived: !isSelf && received_status === 'pending',
    wroteIntroduction: !isSelf && wrote_introduction,
    // The viewer hid this friend's updates from home (friends/CONTEXT.md): the toggle's state.
    hidesUpdates: hides_updates,
    friends: friends.map((f) => ({ id: f.id, nickname: f.nickname, created_at: jsonDate(f.created_at) })),
    latestDiaries: latest_diaries.map((d) => ({
      ...d,
      created_at: jsonDate(d.created_at),
      hidden_at: jsonDate(d.hidden_at),
    })),
    latestAlbums: latest_albums.map((a) => ({
      ...a,
      updated_at: jsonDate(a.updated_at),
      coverUrl: a.cover_photo_id ? photoUrl(a.cover_photo_id, 'sq76') : null,
    })),
    communities: {
      items: withPhotoUrls(
        communities.map((c) => ({ ...c, hidden_at: jsonDate(c.hidden_at), joined_at: jsonDate(c.joined_at) })),
      ),
      total: total_communities,
    },
    introductions: introductions.map((i) => ({
      author_id: i.author_id,
      nickname: i.nickname,
      body: i.body,
      updated_at: jsonDate(i.updated_at),
    })),
    prefecture: prefectureName(profile.prefecture, req.locale),
    age: profile.age_shown && profile.birth_date ? ageOn(profile.birth_date, today) : null,
    birthday:
      profile.birthday_shown && profile.birth_date
        ? { month: Number(profile.birth_date.slice(5, 7)), day: Number(profile.birth_date.slice(8, 10)) }
        : null,
  };
}
