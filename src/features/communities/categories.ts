// The fixed list of community categories (SPEC §6), in the order the pages show them. The names
// live in the message catalogs under `communities.category.<key>`. Migration 020 has the same list
// in its CHECK; adding a category means a migration too.
export const COMMUNITY_CATEGORIES = [
  'area',
  'school',
  'celebrities',
  'music',
  'movies',
  'tv',
  'books_manga',
  'anime_games',
  'sports',
  'hobbies',
  'food_drink',
  'animals_pets',
  'vehicles',
  'travel',
  'fashion_beauty',
  'health',
  'love_marriage',
  'study_research',
  'computers_internet',
  'work_business',
  'family_parenting',
  'other',
] as const;

export type CommunityCategory = (typeof COMMUNITY_CATEGORIES)[number];
