import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';
import { leaveEveryCommunity } from '../communities/departure-service.js';
import { releaseEventPlaces } from '../communities/events/event-service.js';
import { endEveryFriendship } from '../friends/service.js';
import { writeAudit } from '../moderation/audit.js';

/**
 * Everything a withdrawn member held that others count or wait on is released, inside the
 * withdrawal's transaction (CONTEXT.md, "Withdrawal"): friendships with both counters and open
 * requests, community memberships with their counters, roles, join requests and offers, places in
 * events to come (the waitlist moves up). Communities they owned pass on, or are left for the
 * operators; both are written to the audit log as acts of the system.
 * Locks: the member and their friends (id order), then communities (id order), then events.
 */
export async function releaseWithdrawingMember(trx: Knex.Transaction, memberId: number, at: Date): Promise<void> {
  await endEveryFriendship(trx, memberId, at);
  const successions = await leaveEveryCommunity(trx, memberId, at);
  await releaseEventPlaces(trx, memberId, tokyoDate(at));
  for (const s of successions) {
    await writeAudit(
      trx,
      s.to === null
        ? {
            staffId: null,
            action: 'community.owner_lost',
            targetType: 'community',
            targetId: s.communityId,
            subjectMemberId: memberId,
            before: { owner_id: memberId },
            after: { owner_id: null },
            at,
          }
        : {
            staffId: null,
            action: 'community.owner_succession',
            targetType: 'community',
            targetId: s.communityId,
            subjectMemberId: s.to,
            before: { owner_id: memberId },
            after: { owner_id: s.to, previous_role: s.toRole },
            at,
          },
    );
  }
}
