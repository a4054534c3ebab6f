import type { Knex } from 'knex';

/** An entry of a member's external blog, as shown among friends' latest diaries (SPEC §5). */
export type ExternalEntry = {
  id: number;
  member_id: number;
  nickname: string;
  title: string;
  link: string;
  published_at: Date;
  summary: string;
};

/**
 * External blog entries of the viewer's friends that the viewer may see (the author's external-blog
 * visibility setting, blocks both ways), newest first, older than `before` when given.
 * STUB: implemented by the external-blogs work.
 */
export async function friendsExternalEntries(_db: Knex, _viewerId: number, _opts: { limit: number; before?: Date }): Promise<ExternalEntry[]> {
  return [];
}
