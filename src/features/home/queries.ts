import { jsonRows, type PreparedStatement } from '../../db/prepared.js';
import { activeFriendsSql, friendCountSql, friendsPageSql, pendingRequestCountSql } from '../friends/queries.js';
import { friendsLatestSql, newCommentCountSql } from '../diaries/queries.js';
import { friendsExternalEntriesSql } from '../feeds/entries.js';
import { newFootprintCountSql } from '../footprints/queries.js';
import { NEW_COUNT_CAP } from '../footprints/service.js';
import { unreadMessageCountSql } from '../messages/counts.js';
import { activeNoticesSql } from '../notices/service.js';
import { mainPhotoIdSql } from '../photos/profile-queries.js';
import { communitiesOfMemberSql, communityCountSql, joinRequestCountSql, latestCommunityActivitySql, roleOfferCountSql } from './community-sections.js';

/**
 * SQL: friends' latest diary photos — per friend, their newest few (LATERAL with a limit over
 * photos_owner_kind_created_idx, so a friend with many diaries and few photos costs one short index
 * range), then the newest overall. Friends may see every level but "only me". Photos of diaries
 * hidden by staff are not shown.
 */
export function friendsLatestPhotosSql(viewer: string, limit: string, friends = activeFriendsSql(viewer)): string {
  return `SELECT p.photo_id, p.diary_id, fr.nickname
       FROM ${friends} fr
       CROSS JOIN LATERAL (
         SELECT ph.id AS photo_id, d.id AS diary_id, ph.created_at, dp.position
           FROM photos ph
           JOIN diary_photos dp ON dp.photo_id = ph.id
           JOIN diaries d ON d.id = dp.diary_id
          WHERE ph.owner_id = fr.friend_id AND ph.kind = 'diary' AND d.visibility <> 'only_me' AND d.hidden_at IS NULL
          ORDER BY ph.created_at DESC, d.id DESC, dp.position
          LIMIT ${limit}
       ) p
      ORDER BY p.created_at DESC, p.diary_id DESC, p.position
      LIMIT ${limit}`;
}

/**
 * Every section of home in one statement, so that the page costs one round trip and one execution
 * of a plan made once per connection: $1 the member, $2 now, $3–$7 the sizes of the friends,
 * diaries, photos, community activity and communities sections. Each part is its feature's own SQL.
 */
export const HOME_STATEMENT: PreparedStatement = {
  name: 'home',
  // The viewer's friends are read once for the three per-friend feeds.
  text: `WITH fr AS MATERIALIZED ${activeFriendsSql('$1')}
    SELECT
    (${pendingRequestCountSql('$1')}) AS friend_requests,
    (${newCommentCountSql('$1')}) AS new_comments,
    (${unreadMessageCountSql('$1')}) AS unread_messages,
    (${joinRequestCountSql('$1')}) AS join_requests,
    (${roleOfferCountSql('$1')}) AS role_offers,
    (${newFootprintCountSql('$1', '$2', String(NEW_COUNT_CAP))}) AS new_footprints,
    ${jsonRows(`SELECT f.id, f.nickname, ${mainPhotoIdSql('f.id')} AS photo_id FROM (${friendsPageSql('$1', '$3')}) f`)} AS friends,
    (${friendCountSql('$1')}) AS total_friends,
    ${jsonRows(friendsLatestSql('$1', '$4', undefined, 'fr'))} AS diaries,
    ${jsonRows(friendsExternalEntriesSql('$1', '$4', undefined, 'fr'))} AS external,
    ${jsonRows(friendsLatestPhotosSql('$1', '$5', 'fr'))} AS photos,
    ${jsonRows(latestCommunityActivitySql('$1', '$6'))} AS activity,
    ${jsonRows(communitiesOfMemberSql('$1', '$7'))} AS communities,
    (${communityCountSql('$1')}) AS total_communities,
    ${jsonRows(activeNoticesSql('CAST($2 AS timestamptz)', '5'))} AS notices`,
};

export type HomeRow = {
  friend_requests: number; new_comments: number; unread_messages: number; join_requests: number; role_offers: number; new_footprints: number;
  friends: { id: number; nickname: string; photo_id: number | null }[];
  total_friends: number | null;
  diaries: { id: number; author_id: number; nickname: string; title: string; created_at: string; hidden_at: string | null; hidden_reason: string | null }[];
  external: { id: number; member_id: number; nickname: string; title: string; link: string; published_at: string }[];
  photos: { photo_id: number; diary_id: number; nickname: string }[];
  activity: { community_id: number; community_name: string; topic_id: number; title: string; at: string; hidden_at: string | null }[];
  communities: { id: number; name: string; category: string; member_count: number; photo_id: number | null; hidden_at: string | null }[];
  total_communities: number;
  notices: { id: number; title: string; body: string; starts_at: string; ends_at: string | null }[];
};
