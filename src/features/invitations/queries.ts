import type { Knex } from 'knex';

// Reads of invitations and the site_settings row (migrations 073, 074). Named columns only.

export type InvitationStatus = 'open' | 'used' | 'revoked' | 'expired';

export type SentInvitationRow = {
  id: number;
  note: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  used_at: Date | null;
  invitee_id: number | null;
  invitee_nickname: string | null;
};

/** A sent invitation with whether inviter and invitee are friends now (not made when the inviter was at the limit). */
export type SentInvitationWithFriendship = SentInvitationRow & { are_friends: boolean };

export type AdminInvitationRow = SentInvitationRow & { inviter_id: number; inviter_nickname: string };

export async function isInvitationOnly(db: Knex): Promise<boolean> {
  const row = await db('site_settings').select('invitation_only').where({ id: true }).first();
  return Boolean(row?.invitation_only);
}

export function statusOf(
  row: Pick<SentInvitationRow, 'revoked_at' | 'used_at' | 'expires_at'>,
  now: Date,
): InvitationStatus {
  if (row.used_at) return 'used';
  if (row.revoked_at) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'open';
}

export function sentInvitations(db: Knex, inviterId: number, limit = 50): Promise<SentInvitationWithFriendship[]> {
  return db('invitations as i')
    .leftJoin('members as m', 'm.id', 'i.invitee_id')
    .select(
      'i.id',
      'i.note',
      'i.created_at',
      'i.expires_at',
      'i.revoked_at',
      'i.used_at',
      'i.invitee_id',
      'm.nickname as invitee_nickname',
      db.raw(
        'EXISTS (SELECT 1 FROM friendships f WHERE f.member_id = i.inviter_id AND f.friend_id = i.invitee_id) AS are_friends',
      ),
    )
    .where('i.inviter_id', inviterId)
    .orderBy([
      { column: 'i.created_at', order: 'desc' },
      { column: 'i.id', order: 'desc' },
    ])
    .limit(limit) as unknown as Promise<SentInvitationWithFriendship[]>;
}

/** How many invitations the member has made since `since` (any status: a revoked one still counts). */
export async function countMadeSince(db: Knex, inviterId: number, since: Date): Promise<number> {
  const [row] = await db('invitations')
    .where('inviter_id', inviterId)
    .where('created_at', '>=', since)
    .count({ n: '*' });
  return Number(row.n);
}

function adminColumns(q: Knex.QueryBuilder) {
  return q
    .join('members as s', 's.id', 'i.inviter_id')
    .leftJoin('members as m', 'm.id', 'i.invitee_id')
    .select(
      'i.id',
      'i.note',
      'i.created_at',
      'i.expires_at',
      'i.revoked_at',
      'i.used_at',
      'i.invitee_id',
      'm.nickname as invitee_nickname',
      'i.inviter_id',
      's.nickname as inviter_nickname',
    );
}

/** The back office: newest first, keyset by id. */
export function recentInvitations(db: Knex, opts: { limit: number; before?: number }): Promise<AdminInvitationRow[]> {
  const q = adminColumns(db('invitations as i')).orderBy('i.id', 'desc').limit(opts.limit);
  if (opts.before) q.where('i.id', '<', opts.before);
  return q as unknown as Promise<AdminInvitationRow[]>;
}

/** The back office's member page: who invited them (null: registered without an invitation). */
export function invitationOf(db: Knex, inviteeId: number): Promise<AdminInvitationRow | undefined> {
  return adminColumns(db('invitations as i')).where('i.invitee_id', inviteeId).first() as unknown as Promise<
    AdminInvitationRow | undefined
  >;
}

export function invitationsBy(db: Knex, inviterId: number, limit = 100): Promise<AdminInvitationRow[]> {
  return adminColumns(db('invitations as i'))
    .where('i.inviter_id', inviterId)
    .orderBy('i.id', 'desc')
    .limit(limit) as unknown as Promise<AdminInvitationRow[]>;
}
