import { jsonRows, type PreparedStatement } from '../../db/prepared.js';
import { activeFriendsSql, friendCountSql, friendsPageSql } from '../friends/queries.js';
import { followedNewCommentCountSql, friendsLatestSql } from '../diaries/queries.js';
import { friendsExternalEntriesSql } from '../feeds/entries.js';
import { newFootprintCountSql, recentMilestonesSql } from '../footprints/queries.js';
import { NEW_COUNT_CAP } from '../footprints/service.js';
import { activeNoticesSql } from '../notices/service.js';
import { mainPhotoIdSql } from '../photos/profile-queries.js';
import { friendsBirthdaysSql } from '../profiles/queries.js';
import { friendSeesDiarySql } from '../friends/groups-queries.js';
import { friendsLatestAlbumPhotosSql } from '../albums/queries.js';
import { communitiesOfMemberSql, communityCountSql, latestCommunityActivitySql } from './community-sections.js';

/**
 * SQL: friends' latest diary photos — per friend, their newest few (LATERAL with a limit over
 * photos_owner_kind_created_idx, so a friend with many diaries and few photos costs one short index
 * range), then the newest overall. Friends may see every level but "only me". Photos of diaries
 * hidden by staff, and of drafts, are not shown.
 */
export function friendsLatestPhotosSql(viewer: string, limit: string, friends = activeFriendsSql(viewer)): string {
  return `SELECT p.photo_id, p.diary_id, fr.nickname, p.created_at
       FROM ${friends} fr
       CROSS JOIN LATERAL (
         SELECT ph.id AS photo_id, d.id AS diary_id, ph.created_at, dp.position
           FROM photos ph
           JOIN diary_photos dp ON dp.photo_id = ph.id
           JOIN diaries d ON d.id = dp.diary_id
          WHERE ph.owner_id = fr.friend_id AND ph.kind = 'diary' AND ${friendSeesDiarySql('d', viewer)} AND d.hidden_at IS NULL AND d.published_at IS NOT NULL
          ORDER BY ph.created_at DESC, d.id DESC, dp.position
          LIMIT ${limit}
       ) p
      ORDER BY p.created_at DESC, p.diary_id DESC, p.position
      LIMIT ${limit}`;
}

/** Friends' birthdays in お知らせ: today and the next 7 days (Tokyo dates). */
export const BIRTHDAY_DAYS_AHEAD = 7;
const TOKYO_TODAY = `(CAST($2 AS timestamptz) AT TIME ZONE 'Asia/Tokyo')::date`;

/**
 * Every section of home in one statement, so that the page costs one round trip and one execution
 * of a plan made once per connection. The counts the session's read already has (messages, friend
 * requests, new comments, community requests: accounts/queries.ts) are not read again. $1 the member, $2 now, $3–$7 the sizes of the friends,
 * diaries, photos, community activity and communities sections. Each part is its feature's own SQL.
 */
export const HOME_STATEMENT: PreparedStatement = {
  name: 'home',
  // The viewer's friends are read once for the three per-friend feeds.
  text: `WITH fr AS MATERIALIZED ${activeFriendsSql('$1', true, true)},
    -- Friends whose updates the member has not hidden from home (friends/CONTEXT.md): the feeds read these.
    fu AS (SELECT friend_id, nickname FROM fr WHERE NOT hide_updates)
    SELECT
    (${followedNewCommentCountSql('$1')}) AS followed_comments,
    ${jsonRows(friendsBirthdaysSql('fr', '$1', TOKYO_TODAY, BIRTHDAY_DAYS_AHEAD, 20))} AS birthdays,
    ${mainPhotoIdSql('$1')} AS my_photo_id,
    (${newFootprintCountSql('$1', '$2', String(NEW_COUNT_CAP))}) AS new_footprints,
    ${jsonRows(`SELECT f.id, f.nickname, ${mainPhotoIdSql('f.id')} AS photo_id FROM (${friendsPageSql('$1', '$3')}) f`)} AS friends,
    (${friendCountSql('$1')}) AS total_friends,
    ${jsonRows(friendsLatestSql('$1', '$4', undefined, 'fu'))} AS diaries,
    ${jsonRows(friendsExternalEntriesSql('$1', '$4', undefined, 'fu'))} AS external,
    ${jsonRows(friendsLatestPhotosSql('$1', '$5', 'fu'))} AS photos,
    ${jsonRows(friendsLatestAlbumPhotosSql('$1', '$5', 'fu'))} AS album_photos,
    ${jsonRows(recentMilestonesSql('$1', 'CAST($2 AS timestamptz)'))} AS milestones,
    ${jsonRows(latestCommunityActivitySql('$1', '$6'))} AS activity,
    ${jsonRows(communitiesOfMemberSql('$1', '$7'))} AS communities,
    (${communityCountSql('$1')}) AS total_communities,
    ${jsonRows(activeNoticesSql('CAST($2 AS timestamptz)', '5'))} AS notices`,
};

export type HomeRow = {
  followed_comments: number;
  new_footprints: number;
  birthdays: { id: number; nickname: string; in_days: number; day: string }[];
  my_photo_id: number | null;
  friends: { id: number; nickname: string; photo_id: number | null }[];
  total_friends: number | null;
  diaries: {
    id: number;
    author_id: number;
    nickname: string;
    title: string;
    created_at: string;
    hidden_at: string | null;
    hidden_reason: string | null;
  }[];
  external: { id: number; member_id: number; nickname: string; title: string; link: string; published_at: string }[];
  photos: { photo_id: number; diary_id: number; nickname: string; created_at: string }[];
  album_photos: { photo_id: number; album_id: number; nickname: string; created_at: string }[];
  milestones: { number: number; reached_at: string; visitor_id: number | null; nickname: string | null }[];
  activity: {
    community_id: number;
    community_name: string;
    topic_id: number;
    title: string;
    at: string;
    hidden_at: string | null;
  }[];
  communities: {
    id: number;
    name: string;
    category: string;
    member_count: number;
    photo_id: number | null;
    hidden_at: string | null;
  }[];
  total_communities: number;
  notices: { id: number; title: string; body: string; starts_at: string; ends_at: string | null }[];
};
