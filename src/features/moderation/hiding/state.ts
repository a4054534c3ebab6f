import type { Knex } from 'knex';
import type { TargetType } from '../schemas.js';

// What can be hidden, and where its hidden_at / hidden_reason live: each hideable target's table and
// SQL naming whose content it is (for the audit row). The actions on it are hiding/actions.ts.

export type HideableType = Exclude<TargetType, 'member'>;

/** The table of each hideable target, and SQL naming whose content it is (a community's: its owner's). */
export const HIDEABLE: Record<HideableType, { table: string; owner: string }> = {
  diary: { table: 'diaries', owner: 'author_id' },
  diary_comment: { table: 'diary_comments', owner: 'author_id' },
  community: {
    table: 'communities',
    owner: `(SELECT cm.member_id FROM community_members cm WHERE cm.community_id = communities.id AND cm.role = 'owner')`,
  },
  topic: { table: 'community_topics', owner: 'author_id' },
  topic_comment: { table: 'community_comments', owner: 'author_id' },
  message: { table: 'messages', owner: 'sender_id' },
  album: { table: 'albums', owner: 'owner_id' },
  album_comment: { table: 'album_comments', owner: 'author_id' },
};

export function isHideable(type: TargetType): type is HideableType {
  return type in HIDEABLE;
}

export type HiddenState = { hidden_at: Date | null; hidden_reason: string | null; owner_id: number | null };

/** Locks the target's row and returns its hidden state (undefined when the row is gone). */
export function lockHiddenState(trx: Knex, type: HideableType, id: number): Promise<HiddenState | undefined> {
  const { table, owner } = HIDEABLE[type];
  return trx(table)
    .select('hidden_at', 'hidden_reason', trx.raw(`${owner} AS owner_id`))
    .where({ id })
    .forUpdate()
    .first();
}

export function setHiddenState(
  trx: Knex,
  type: HideableType,
  id: number,
  state: { hidden_at: Date | null; hidden_reason: string | null },
) {
  return trx(HIDEABLE[type].table).where({ id }).update(state);
}
