import { setRole } from '../features/moderation/actions.js';
import { EXIT, auditReason, defineCommand, oneMemberId, ONE_MEMBER_ID } from './command.js';

// staff grant / revoke: the only way anyone becomes staff (there is no default admin). The
// member's sessions end, so that their next login starts a session with the new privileges.

const STAFF_ROLES = ['moderator', 'admin'] as const;
type RoleInput = { memberId: number; role: 'member' | 'moderator' | 'admin' };

export const grant = defineCommand<RoleInput>({
  name: 'staff grant',
  args: '<member id> [--role moderator|admin]',
  summary: 'make a member staff (default moderator)',
  help: ["Audited; the member's sessions end (they log in again with the new role)."],
  options: { role: { type: 'string' } },
  changes: true,
  async input(positionals, values) {
    const id = oneMemberId(positionals);
    if (!id) return { ok: false, errors: [ONE_MEMBER_ID] };
    const role = (values.role ?? 'moderator') as string;
    if (!(STAFF_ROLES as readonly string[]).includes(role))
      return { ok: false, errors: [`--role: expected moderator or admin, got ${JSON.stringify(role)}`] };
    return { ok: true, input: { memberId: id, role: role as RoleInput['role'] } };
  },
  run: (deps, input) => changeRole(deps, input, 'staff grant'),
});

export const revoke = defineCommand<RoleInput>({
  name: 'staff revoke',
  args: '<member id>',
  summary: "take a staff member's role away (back to member)",
  help: ['Audited; their sessions end.'],
  changes: true,
  async input(positionals) {
    const id = oneMemberId(positionals);
    if (!id) return { ok: false, errors: [ONE_MEMBER_ID] };
    return { ok: true, input: { memberId: id, role: 'member' } };
  },
  run: (deps, input) => changeRole(deps, input, 'staff revoke'),
});

export async function changeRole(
  {
    db,
    now,
    out,
    err,
  }: { db: Parameters<typeof setRole>[0]; now: Date; out: (l: string) => void; err: (l: string) => void },
  input: RoleInput,
  command: string,
): Promise<number> {
  const result = await setRole(db, {
    memberId: input.memberId,
    role: input.role,
    at: now,
    reason: auditReason(command),
  });
  if (!result.ok) {
    err(
      result.reason === 'unchanged'
        ? `member ${input.memberId} already has the role ${input.role}; nothing changed`
        : `no active member with id ${input.memberId}; nothing changed`,
    );
    return EXIT.refused;
  }
  out(`member ${input.memberId} is now ${input.role} (audited; their sessions have ended)`);
  return EXIT.ok;
}
