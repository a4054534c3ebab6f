import type { Knex } from 'knex';
import { visibleBoardTopics } from '../access.js';
import type { TopicSummary } from './board-queries.js';
import { escapeLike } from '../queries.js';

/** A topic found, with its place in the order as text (`before_at` of the next page). */
export type FoundTopic = TopicSummary & { cursor_at: string };

/**
 * Topics and events of one community containing every word (already folded: searchWords) in their
 * title or text, as the board orders them (latest activity first), keyset-paginated by
 * (last_activity_at, id). The board's own rule decides what the viewer sees (visibleBoardTopics: a
 * board the viewer may read, active authors, no block either way); a topic staff hid is never found
 * (its text is not the viewer's to search). search_text is search_fold(title || '\n' || body)
 * (migration 071), the fold of community search.
 */
export function findInCommunity(
  db: Knex,
  communityId: number,
  viewerId: number,
  input: { words: string[]; before?: { at: string; id: number }; limit: number },
): Promise<FoundTopic[]> {
  const q = visibleBoardTopics(
    db('community_topics as t').leftJoin('community_events as e', 'e.topic_id', 't.id'),
    communityId,
    viewerId,
  )
    .select(
      't.id',
      't.author_id',
      'ta.nickname',
      't.kind',
      't.title',
      't.comment_count',
      't.last_activity_at',
      'e.event_date',
      't.hidden_at',
    )
    // The next page's bound to the microsecond (a JavaScript date would cut it to the millisecond and
    // skip topics posted within the same millisecond as the last one shown).
    .select(db.raw(`to_char(t.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`))
    .whereNull('t.hidden_at')
    .orderBy([
      { column: 't.last_activity_at', order: 'desc' },
      { column: 't.id', order: 'desc' },
    ])
    .limit(input.limit);
  for (const word of input.words) q.whereRaw('t.search_text LIKE ?', [`%${escapeLike(word)}%`]);
  if (input.before) q.whereRaw('(t.last_activity_at, t.id) < (?::timestamptz, ?)', [input.before.at, input.before.id]);
  return q as unknown as Promise<FoundTopic[]>;
}
