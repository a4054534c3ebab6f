import { isInvitationOnly, setInvitationOnly } from '../features/invitations/service.js';
import { EXIT, auditReason, defineCommand, type Deps } from './command.js';

// invitations on / off / status: the invitation-only switch, as /admin/invitations turns it
// (features/invitations/CONTEXT.md). Audited as the system's act.

type None = Record<string, never>;

async function noArguments(
  positionals: string[],
): Promise<{ ok: true; input: None } | { ok: false; errors: string[] }> {
  return positionals.length
    ? { ok: false, errors: [`expected no arguments, got ${JSON.stringify(positionals.join(' '))}`] }
    : { ok: true, input: {} };
}

async function turn(deps: Deps, on: boolean, command: string): Promise<number> {
  const result = await setInvitationOnly(deps.db, { on, staffId: null, at: deps.now, reason: auditReason(command) });
  if (!result.ok) {
    deps.err(`registration is already ${on ? 'invitation-only' : 'open'}; nothing changed`);
    return EXIT.refused;
  }
  deps.out(on ? 'registration is now invitation-only (audited)' : 'registration is open again (audited)');
  return EXIT.ok;
}

export const on = defineCommand<None>({
  name: 'invitations on',
  args: '',
  summary: "make registration invitation-only (a member's invitation link needed)",
  help: ['Audited. Members make invitation links at /invitations, a few a month (INVITATIONS_PER_MONTH).'],
  changes: true,
  input: noArguments,
  run: (deps) => turn(deps, true, 'invitations on'),
});

export const off = defineCommand<None>({
  name: 'invitations off',
  args: '',
  summary: 'open registration to anyone again',
  help: ["Audited. Invitation links keep working: their invitee still becomes the inviter's friend."],
  changes: true,
  input: noArguments,
  run: (deps) => turn(deps, false, 'invitations off'),
});

export const status = defineCommand<None>({
  name: 'invitations status',
  args: '',
  summary: 'say whether registration is invitation-only',
  help: [],
  changes: false,
  input: noArguments,
  async run(deps) {
    deps.out(`registration is ${(await isInvitationOnly(deps.db)) ? 'invitation-only' : 'open'}`);
    return EXIT.ok;
  },
});
