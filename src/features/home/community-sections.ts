import type { Knex } from 'knex';

// The home page's community sections (SPEC §7 items 1, 5, 6), behind one small interface so home
// composes communities without knowing their tables. STUB until communities land.

export type CommunityCard = { id: number; name: string; member_count: number };
export type CommunityActivity = { community_id: number; community_name: string; topic_id: number; title: string; at: Date };

export async function communityPendingCounts(_db: Knex, _memberId: number): Promise<{ joinRequests: number; roleOffers: number }> {
  return { joinRequests: 0, roleOffers: 0 };
}

export async function myCommunities(_db: Knex, _memberId: number, _limit: number): Promise<{ items: CommunityCard[]; total: number }> {
  return { items: [], total: 0 };
}

export async function latestCommunityActivity(_db: Knex, _memberId: number, _limit: number): Promise<CommunityActivity[]> {
  return [];
}
