import type { Knex } from 'knex';
import { notBlockedSql } from '../../blocks/queries.js';
import { visibleDiary } from '../../diaries/queries.js';
import { communityFor } from '../../communities/queries.js';
import { visibleTopic } from '../../communities/board/board-queries.js';
import { heldMessage } from '../../messages/queries.js';
import { visibleAlbum } from '../../albums/queries.js';
import type { TargetType } from '../schemas.js';

// The things members can report, in one place: whether a reporter may see one (a report of
// something you cannot see is a 404, like the thing itself), whose it is, and which table holds
// its hidden_at / hidden_reason (hiding/state.ts). Staff's view of a target (unmasked, in context) is target-context.ts.

/** What a report records about its target at the moment it is filed. */
export type ReportableTarget = {
  reportedMemberId: number | null;
  /** Set for posts on a community board: the community's managers see these reports. */
  communityId: number | null;
  /** What the reporter saw (kept with the report: the content may change or go). */
  snapshot: string;
  /** Where the reporter goes back to after reporting. */
  backTo: string;
};

type Finder = (db: Knex, viewerId: number, id: number) => Promise<ReportableTarget | undefined>;

const snapshot = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join('\n\n').slice(0, 12000);

/** A comment row that is still shown: not deleted, not hidden by staff, its author active and not blocked either way. */
function shownComment(db: Knex, table: 'diary_comments' | 'community_comments', viewerId: number, id: number) {
  return db(`${table} as c`)
    .join('members as a', 'a.id', 'c.author_id')
    .select('c.id', 'c.number', 'c.author_id', 'c.body')
    .where({ 'c.id': id, 'a.status': 'active' })
    .whereNull('c.deleted_at')
    .whereNull('c.hidden_at')
    .whereRaw(notBlockedSql('c.author_id', '?'), [viewerId, viewerId]);
}

const finders: Record<TargetType, Finder> = {
  async member(db, viewerId, id) {
    const m = await db('members as m')
      .select('m.id', 'm.nickname')
      .where({ 'm.id': id, 'm.status': 'active' })
      .whereRaw(notBlockedSql('m.id', '?'), [viewerId, viewerId])
      .first();
    return m && { reportedMemberId: Number(m.id), communityId: null, snapshot: m.nickname, backTo: `/members/${m.id}` };
  },

  async diary(db, viewerId, id) {
    const d = await visibleDiary(db, id, viewerId);
    if (!d || d.hidden_at) return undefined;
    return {
      reportedMemberId: d.author_id,
      communityId: null,
      snapshot: snapshot(d.title, d.body),
      backTo: `/diaries/${d.id}`,
    };
  },

  async diary_comment(db, viewerId, id) {
    const c = await shownComment(db, 'diary_comments', viewerId, id).select('c.diary_id').first();
    const d = c && (await visibleDiary(db, Number(c.diary_id), viewerId));
    if (!c || !d || d.hidden_at) return undefined;
    return {
      reportedMemberId: Number(c.author_id),
      communityId: null,
      snapshot: c.body,
      backTo: `/diaries/${d.id}#comment-${c.number}`,
    };
  },

  async community(db, viewerId, id) {
    const c = await communityFor(db, id, viewerId);
    if (!c || c.hidden_at) return undefined;
    const owner = await db('community_members').select('member_id').where({ community_id: id, role: 'owner' }).first();
    return {
      reportedMemberId: owner ? Number(owner.member_id) : null,
      communityId: id,
      snapshot: snapshot(c.name, c.description),
      backTo: `/communities/${id}`,
    };
  },

  async topic(db, viewerId, id) {
    const row = await db('community_topics').select('community_id').where({ id }).first();
    const t = row && (await visibleTopic(db, Number(row.community_id), id, viewerId));
    if (!t || t.hidden_at) return undefined;
    return {
      reportedMemberId: t.author_id,
      communityId: t.community_id,
      snapshot: snapshot(t.title, t.body),
      backTo: `/communities/${t.community_id}/topics/${t.id}`,
    };
  },

  async topic_comment(db, viewerId, id) {
    const c = await shownComment(db, 'community_comments', viewerId, id)
      .join('community_topics as tt', 'tt.id', 'c.topic_id')
      .select('c.topic_id', 'tt.community_id')
      .first();
    const t = c && (await visibleTopic(db, Number(c.community_id), Number(c.topic_id), viewerId));
    if (!c || !t || t.hidden_at) return undefined;
    return {
      reportedMemberId: Number(c.author_id),
      communityId: t.community_id,
      snapshot: c.body,
      backTo: `/communities/${t.community_id}/topics/${t.id}#comment-${c.number}`,
    };
  },

  /** Only a message one received (and still holds) can be reported. */
  async message(db, viewerId, id) {
    const m = await heldMessage(db, viewerId, id);
    if (!m || m.box !== 'received' || m.hidden_at) return undefined;
    return {
      reportedMemberId: m.sender_id,
      communityId: null,
      snapshot: snapshot(m.subject, m.body),
      backTo: `/messages/${m.id}`,
    };
  },

  async album(db, viewerId, id) {
    const a = await visibleAlbum(db, id, viewerId);
    if (!a || a.hidden_at) return undefined;
    return {
      reportedMemberId: a.owner_id,
      communityId: null,
      snapshot: snapshot(a.title, a.description),
      backTo: `/albums/${a.id}`,
    };
  },

  async album_comment(db, viewerId, id) {
    const c = await db('album_comments as c')
      .join('members as a', 'a.id', 'c.author_id')
      .select('c.id', 'c.album_id', 'c.author_id', 'c.body')
      .where({ 'c.id': id, 'a.status': 'active' })
      .whereNull('c.hidden_at')
      .whereRaw(notBlockedSql('c.author_id', '?'), [viewerId, viewerId])
      .first();
    const a = c && (await visibleAlbum(db, Number(c.album_id), viewerId));
    if (!c || !a || a.hidden_at) return undefined;
    return {
      reportedMemberId: Number(c.author_id),
      communityId: null,
      snapshot: c.body,
      backTo: `/albums/${a.id}#comment-${c.id}`,
    };
  },
};

/** The target as its reporter may see it, or undefined: missing, not visible, hidden already, or their own. */
export async function reportableTarget(
  db: Knex,
  viewerId: number,
  type: TargetType,
  id: number,
): Promise<ReportableTarget | undefined> {
  const target = await finders[type](db, viewerId, id);
  if (!target || target.reportedMemberId === viewerId) return undefined;
  return target;
}
