import { formatTextHtml } from '../../lib/text.js';
import type { CommentRow } from './queries.js';

/**
 * A diary comment as the PC and mobile pages show it: deleted, hidden from this viewer (a block, an
 * inactive author), hidden by staff (moderated, with the reason), or shown; who may delete or report it.
 */
export function commentView(c: CommentRow, viewerId: number, diaryAuthorId: number) {
  const state = c.deleted_at ? 'deleted' : c.hidden ? 'hidden' : c.hidden_at ? 'moderated' : 'shown';
  return {
    id: c.id,
    number: c.number,
    author_id: c.author_id,
    nickname: c.nickname,
    created_at: c.created_at,
    state,
    hidden_reason: c.hidden_reason,
    bodyHtml: state === 'shown' ? formatTextHtml(c.body) : '',
    canDelete: !c.deleted_at && (viewerId === diaryAuthorId || viewerId === c.author_id),
    canReport: state === 'shown' && viewerId !== c.author_id,
  };
}
