import type { Knex } from 'knex';
import { friendCount, friendsPage, pendingRequestCount } from '../friends/queries.js';
import { friendsLatest, newCommentCount } from '../diaries/queries.js';
import { friendsExternalEntries } from '../feeds/entries.js';
import { newFootprintCount, NEW_COUNT_CAP } from '../footprints/service.js';
import { unreadMessageCount } from '../messages/counts.js';
import { activeNotices } from '../notices/service.js';
import { avatarsFor } from '../profiles/avatars.js';
import { photoUrl } from '../photos/variants.js';
import { communityPendingCounts, latestCommunityActivity, myCommunities } from './community-sections.js';
import { friendsLatestPhotos } from './queries.js';

// Home (SPEC §7): one fixed layout, the same sections for everyone. A fixed number of indexed
// queries however many friends or communities the member has — no per-friend or per-item query
// (test/http/home.test.ts counts them).

const SHOWN = { friends: 9, diaries: 5, photos: 5, activity: 5, communities: 9 };

export async function loadDashboard(db: Knex, memberId: number, now: Date) {
  const [
    friendRequests, newComments, unreadMessages, community, newFootprints,
    friends, totalFriends, diaries, external, photos, activity, communities, notices,
  ] = await Promise.all([
    pendingRequestCount(db, memberId),
    newCommentCount(db, memberId),
    unreadMessageCount(db, memberId),
    communityPendingCounts(db, memberId),
    newFootprintCount(db, memberId, now),
    friendsPage(db, memberId, { limit: SHOWN.friends }),
    friendCount(db, memberId),
    friendsLatest(db, memberId, { limit: SHOWN.diaries }),
    friendsExternalEntries(db, memberId, { limit: SHOWN.diaries }),
    friendsLatestPhotos(db, memberId, SHOWN.photos),
    latestCommunityActivity(db, memberId, SHOWN.activity),
    myCommunities(db, memberId, SHOWN.communities),
    activeNotices(db, now),
  ]);
  const avatars = await avatarsFor(db, friends.map((f) => f.id));
  const latest = [
    ...diaries.map((d) => ({ kind: 'diary' as const, at: new Date(d.created_at), id: d.id, title: d.title, nickname: d.nickname, author_id: d.author_id, link: `/diaries/${d.id}` })),
    ...external.map((e) => ({ kind: 'external' as const, at: new Date(e.published_at), id: e.id, title: e.title, nickname: e.nickname, author_id: e.member_id, link: e.link })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, SHOWN.diaries);

  return {
    pending: {
      friendRequests, newComments, unreadMessages,
      joinRequests: community.joinRequests, roleOffers: community.roleOffers,
      newFootprints, newFootprintsCapped: newFootprints >= NEW_COUNT_CAP,
    },
    friends, totalFriends, avatars,
    latest,
    photos: photos.map((p) => ({ url: photoUrl(p.photo_id, 'sq76'), diaryId: p.diary_id, nickname: p.nickname })),
    activity,
    communities,
    notices,
  };
}
