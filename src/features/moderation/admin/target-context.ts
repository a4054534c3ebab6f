import type { Knex } from 'knex';
import type { TargetType } from '../schemas.js';

// Staff's view of reported things: the content as written (hidden or not), who wrote it and where
// it sits (the diary of a comment, the community of a topic, the recipient of a message). Loaded
// in one query per type for a whole page of the queue. Only the back office reads this.

export type TargetView = {
  type: TargetType;
  id: number;
  title: string | null;
  body: string;
  authorId: number | null;
  authorNickname: string | null;
  /** Where the content sits, for "in context". */
  context: { kind: 'diary' | 'album' | 'community' | 'topic' | 'recipient'; name: string; link: string } | null;
  /** The page members see it on. */
  link: string | null;
  createdAt: Date | null;
  hiddenAt: Date | null;
  hiddenReason: string | null;
  /** Deleted by its author (comments keep their row); a member's status for a member. */
  deleted: boolean;
  memberStatus: string | null;
};

type Row = Record<string, unknown>;
type Loader = (db: Knex, ids: number[]) => Promise<TargetView[]>;

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function view(type: TargetType, r: Row, extra: Partial<TargetView>): TargetView {
  return {
    type,
    id: Number(r.id),
    title: str(r.title),
    body: String(r.body ?? ''),
    authorId: num(r.author_id),
    authorNickname: str(r.author_nickname),
    context: null,
    link: null,
    createdAt: (r.created_at as Date) ?? null,
    hiddenAt: (r.hidden_at as Date) ?? null,
    hiddenReason: str(r.hidden_reason),
    deleted: !!r.deleted_at,
    memberStatus: null,
    ...extra,
  };
}

const loaders: Record<TargetType, Loader> = {
  async member(db, ids) {
    const rows: Row[] = await db('members as m')
      .leftJoin('profiles as p', 'p.member_id', 'm.id')
      .select(
        'm.id',
        'm.nickname as title',
        'p.self_introduction as body',
        'm.id as author_id',
        'm.nickname as author_nickname',
        'm.created_at',
        'm.status',
      )
      .whereIn('m.id', ids);
    return rows.map((r) => view('member', r, { link: `/members/${r.id}`, memberStatus: String(r.status) }));
  },

  async diary(db, ids) {
    const rows: Row[] = await db('diaries as d')
      .join('members as a', 'a.id', 'd.author_id')
      .select(
        'd.id',
        'd.title',
        'd.body',
        'd.author_id',
        'a.nickname as author_nickname',
        'd.created_at',
        'd.hidden_at',
        'd.hidden_reason',
      )
      .whereIn('d.id', ids);
    return rows.map((r) => view('diary', r, { link: `/diaries/${r.id}` }));
  },

  async diary_comment(db, ids) {
    const rows: Row[] = await db('diary_comments as c')
      .join('members as a', 'a.id', 'c.author_id')
      .join('diaries as d', 'd.id', 'c.diary_id')
      .select(
        'c.id',
        'c.number',
        'c.body',
        'c.author_id',
        'a.nickname as author_nickname',
        'c.created_at',
        'c.deleted_at',
        'c.hidden_at',
        'c.hidden_reason',
        'd.id as diary_id',
        'd.title as diary_title',
      )
      .whereIn('c.id', ids);
    return rows.map((r) =>
      view('diary_comment', r, {
        title: `#${r.number}`,
        link: `/diaries/${r.diary_id}#comment-${r.number}`,
        context: { kind: 'diary', name: String(r.diary_title), link: `/admin/reports/diary/${r.diary_id}` },
      }),
    );
  },

  async community(db, ids) {
    const rows: Row[] = await db('communities as c')
      .leftJoin('community_members as o', (j) => j.on('o.community_id', 'c.id').andOnVal('o.role', 'owner'))
      .leftJoin('members as a', 'a.id', 'o.member_id')
      .select(
        'c.id',
        'c.name as title',
        'c.description as body',
        'o.member_id as author_id',
        'a.nickname as author_nickname',
        'c.created_at',
        'c.hidden_at',
        'c.hidden_reason',
      )
      .whereIn('c.id', ids);
    return rows.map((r) => view('community', r, { link: `/communities/${r.id}` }));
  },

  async topic(db, ids) {
    const rows: Row[] = await db('community_topics as t')
      .join('members as a', 'a.id', 't.author_id')
      .join('communities as c', 'c.id', 't.community_id')
      .select(
        't.id',
        't.title',
        't.body',
        't.author_id',
        'a.nickname as author_nickname',
        't.created_at',
        't.hidden_at',
        't.hidden_reason',
        'c.id as community_id',
        'c.name as community_name',
      )
      .whereIn('t.id', ids);
    return rows.map((r) =>
      view('topic', r, {
        link: `/communities/${r.community_id}/topics/${r.id}`,
        context: { kind: 'community', name: String(r.community_name), link: `/admin/communities/${r.community_id}` },
      }),
    );
  },

  async topic_comment(db, ids) {
    const rows: Row[] = await db('community_comments as cc')
      .join('members as a', 'a.id', 'cc.author_id')
      .join('community_topics as t', 't.id', 'cc.topic_id')
      .select(
        'cc.id',
        'cc.number',
        'cc.body',
        'cc.author_id',
        'a.nickname as author_nickname',
        'cc.created_at',
        'cc.deleted_at',
        'cc.hidden_at',
        'cc.hidden_reason',
        't.id as topic_id',
        't.title as topic_title',
        't.community_id',
      )
      .whereIn('cc.id', ids);
    return rows.map((r) =>
      view('topic_comment', r, {
        title: `#${r.number}`,
        link: `/communities/${r.community_id}/topics/${r.topic_id}#comment-${r.number}`,
        context: { kind: 'topic', name: String(r.topic_title), link: `/admin/reports/topic/${r.topic_id}` },
      }),
    );
  },

  async message(db, ids) {
    const rows: Row[] = await db('messages as m')
      .join('members as a', 'a.id', 'm.sender_id')
      .join('members as rc', 'rc.id', 'm.recipient_id')
      .select(
        'm.id',
        'm.subject as title',
        'm.body',
        'm.sender_id as author_id',
        'a.nickname as author_nickname',
        'm.created_at',
        'm.hidden_at',
        'm.hidden_reason',
        'rc.id as recipient_id',
        'rc.nickname as recipient_nickname',
      )
      .whereIn('m.id', ids);
    return rows.map((r) =>
      view('message', r, {
        context: { kind: 'recipient', name: String(r.recipient_nickname), link: `/admin/members/${r.recipient_id}` },
      }),
    );
  },

  async album(db, ids) {
    const rows: Row[] = await db('albums as al')
      .join('members as a', 'a.id', 'al.owner_id')
      .select(
        'al.id',
        'al.title',
        'al.description as body',
        'al.owner_id as author_id',
        'a.nickname as author_nickname',
        'al.created_at',
        'al.hidden_at',
        'al.hidden_reason',
      )
      .whereIn('al.id', ids);
    return rows.map((r) => view('album', r, { link: `/albums/${r.id}` }));
  },

  async album_comment(db, ids) {
    const rows: Row[] = await db('album_comments as c')
      .join('members as a', 'a.id', 'c.author_id')
      .join('albums as al', 'al.id', 'c.album_id')
      .select(
        'c.id',
        'c.body',
        'c.author_id',
        'a.nickname as author_nickname',
        'c.created_at',
        'c.hidden_at',
        'c.hidden_reason',
        'al.id as album_id',
        'al.title as album_title',
      )
      .whereIn('c.id', ids);
    return rows.map((r) =>
      view('album_comment', r, {
        link: `/albums/${r.album_id}#comment-${r.id}`,
        context: { kind: 'album', name: String(r.album_title), link: `/admin/reports/album/${r.album_id}` },
      }),
    );
  },
};

/** The targets' views by `type:id`; a target whose row is gone is absent. */
export async function loadTargets(
  db: Knex,
  targets: { type: TargetType; id: number }[],
): Promise<Map<string, TargetView>> {
  const byType = new Map<TargetType, number[]>();
  for (const t of targets) byType.set(t.type, [...(byType.get(t.type) ?? []), Number(t.id)]);
  const loaded = await Promise.all([...byType].map(([type, ids]) => loaders[type](db, ids)));
  return new Map(loaded.flat().map((v) => [targetKey(v.type, v.id), v]));
}

export function targetKey(type: string, id: number): string {
  return `${type}:${id}`;
}
