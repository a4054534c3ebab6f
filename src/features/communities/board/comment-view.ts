import { formatTextHtml } from '../../../lib/text.js';
import type { CommentRow } from './board-queries.js';

/**
 * A topic comment as the PC and mobile pages show it: deleted, hidden from this viewer (a block, an
 * inactive author), hidden by staff (moderated, with the reason), or shown with its photos; who may
 * delete (its author, the managers) or report it.
 */
export function topicCommentView<P>(
  c: CommentRow,
  viewerId: number,
  manager: boolean,
  photosOf: (commentId: number) => P[],
) {
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
    photos: state === 'shown' ? photosOf(c.id) : [],
    canDelete: !c.deleted_at && !c.hidden && (manager || c.author_id === viewerId),
    canReport: state === 'shown' && c.author_id !== viewerId,
  };
}
