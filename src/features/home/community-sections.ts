// The home page's community sections (SPEC §7 items 1, 5, 6), behind one small interface so home
// composes communities without knowing their tables: the SQL of each section, which home puts in
// its one statement (queries.ts), and how its rows are shown.

export { joinRequestCountSql, roleOfferCountSql, latestCommunityActivitySql } from '../communities/home-sections.js';
export { communitiesOfMemberSql, communityCountSql, withPhotoUrls } from '../communities/queries.js';
export type { CommunityActivity, CommunityCard } from '../communities/home-sections.js';
