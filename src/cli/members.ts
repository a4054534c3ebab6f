import { createPasswordHasher } from '../features/accounts/passwords.js';
import {
  OperatorMemberForm,
  registerMemberByOperator,
  type OperatorMemberForm as MemberInput,
} from '../features/accounts/operator-registration.js';
import { suspendMember, unsuspendMember } from '../features/moderation/actions.js';
import { OptionalReasonForm, SuspendForm } from '../features/moderation/schemas.js';
import { endOfTokyoDay, tokyoDate } from '../lib/dates.js';
import { EXIT, auditReason, defineCommand, issueLines, oneMemberId, ONE_MEMBER_ID } from './command.js';
import { canPrompt, promptHidden, readStdin } from './prompt.js';

// member create / suspend / unsuspend: the registration form's and the back office's rules and
// services, from the command line. Each change is audited with no staff member (the system).

const FIELD_NAMES = { phone: '--phone', nickname: '--nickname', birth_date: '--birth-date', password: 'password' };

/** The password: from standard input (--password-stdin), or asked twice at a terminal; never an argument. */
async function readPassword(
  fromStdin: boolean,
): Promise<{ ok: true; password: string } | { ok: false; error: string }> {
  if (fromStdin) return { ok: true, password: await readStdin() };
  if (!canPrompt())
    return { ok: false, error: 'password: give it on standard input with --password-stdin (no terminal to ask on)' };
  const password = await promptHidden('Password for the new member: ');
  if ((await promptHidden('The same password again: ')) !== password)
    return { ok: false, error: 'password: the two passwords differ' };
  return { ok: true, password };
}

export const createMember = defineCommand<MemberInput>({
  name: 'member create',
  args: '--phone <number> --nickname <name> --birth-date <YYYY-MM-DD> [--password-stdin]',
  summary: 'create a member without an SMS code (the first admin; support)',
  help: [
    'The same rules as the registration form: a Japanese mobile number (060/070/080/090) with no',
    'account yet, a nickname of up to 20 characters, 18 or older (Tokyo date), and a password of',
    '8 to 200 characters that is not a common one. The operator vouches for the number: no code is sent.',
    'The password is never an argument: it is asked twice at a terminal, or read from standard',
    'input with --password-stdin (e.g. from a secrets file: < admin-password.txt).',
    'Then `staff grant <id> --role admin` makes the first admin.',
  ],
  options: {
    phone: { type: 'string' },
    nickname: { type: 'string' },
    'birth-date': { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  changes: true,
  async input(positionals, values) {
    if (positionals.length) return { ok: false, errors: [`unexpected argument ${JSON.stringify(positionals[0])}`] };
    const fields = { phone: values.phone, nickname: values.nickname, birth_date: values['birth-date'] };
    // The arguments are checked before the password is asked for.
    const early = OperatorMemberForm.omit({ password: true }).safeParse(fields);
    if (!early.success) return { ok: false, errors: issueLines(early.error, FIELD_NAMES) };
    const password = await readPassword(values['password-stdin'] === true);
    if (!password.ok) return { ok: false, errors: [password.error] };
    const form = OperatorMemberForm.safeParse({ ...fields, password: password.password });
    return form.success ? { ok: true, input: form.data } : { ok: false, errors: issueLines(form.error, FIELD_NAMES) };
  },
  async run({ db, config, now, out, err }, input) {
    const result = await registerMemberByOperator(
      db,
      { passwords: createPasswordHasher(config), now, reason: auditReason('member create') },
      input,
    );
    if (!result.ok) {
      err(
        result.reason === 'under_age'
          ? '--birth-date: members must be 18 or older (Tokyo date); nothing created'
          : '--phone: this number already has an account; nothing created',
      );
      return result.reason === 'under_age' ? EXIT.usage : EXIT.refused;
    }
    out(
      `member ${result.memberId} created (${input.nickname}); they log in with the phone number and the password (audited)`,
    );
    return EXIT.ok;
  },
});

type SuspendInput = { memberId: number; reason: string; until: string };

export const suspend = defineCommand<SuspendInput>({
  name: 'member suspend',
  args: '<member id> --reason <text> [--until <YYYY-MM-DD>]',
  summary: 'suspend a member (their sessions end at once)',
  help: [
    'As the back office does: every session of theirs ends, their places in events to come are',
    'given up, and their open reports are closed as acted on. The reason is shown to the member.',
    'Without --until the suspension lasts until `member unsuspend`; with it, it ends as that Tokyo',
    'day ends. Staff are not suspended: `staff revoke` first.',
  ],
  options: { reason: { type: 'string' }, until: { type: 'string' } },
  changes: true,
  async input(positionals, values) {
    const id = oneMemberId(positionals);
    if (!id) return { ok: false, errors: [ONE_MEMBER_ID] };
    const form = SuspendForm.safeParse({ reason: values.reason, until: values.until ?? '' });
    if (!form.success) return { ok: false, errors: issueLines(form.error, { reason: '--reason', until: '--until' }) };
    return { ok: true, input: { memberId: id, reason: form.data.reason, until: form.data.until } };
  },
  async run({ db, now, out, err }, input) {
    if (input.until && input.until <= tokyoDate(now)) {
      err('--until: the end must be tomorrow or later (Tokyo date); nothing changed');
      return EXIT.usage;
    }
    const until = input.until ? endOfTokyoDay(input.until) : null;
    const result = await suspendMember(db, {
      staffId: null,
      memberId: input.memberId,
      until,
      reason: input.reason,
      at: now,
    });
    if (!result.ok) {
      err(
        result.reason === 'staff'
          ? `member ${input.memberId} is staff: take away their role first (staff revoke ${input.memberId}); nothing changed`
          : `no member with id ${input.memberId}; nothing changed`,
      );
      return EXIT.refused;
    }
    out(
      `member ${input.memberId} is suspended ${input.until ? `until the end of ${input.until}` : 'until lifted'}; their sessions have ended (audited)`,
    );
    return EXIT.ok;
  },
});

export const unsuspend = defineCommand<{ memberId: number; reason: string }>({
  name: 'member unsuspend',
  args: '<member id> [--reason <text>]',
  summary: "lift a member's suspension",
  help: ['The member can log in again at once.'],
  options: { reason: { type: 'string' } },
  changes: true,
  async input(positionals, values) {
    const id = oneMemberId(positionals);
    if (!id) return { ok: false, errors: [ONE_MEMBER_ID] };
    const form = OptionalReasonForm.safeParse({ reason: values.reason ?? '' });
    if (!form.success) return { ok: false, errors: issueLines(form.error, { reason: '--reason' }) };
    return { ok: true, input: { memberId: id, reason: form.data.reason } };
  },
  async run({ db, now, out, err }, input) {
    const result = await unsuspendMember(db, {
      staffId: null,
      memberId: input.memberId,
      reason: input.reason,
      at: now,
    });
    if (!result.ok) {
      err(
        result.reason === 'not_suspended'
          ? `member ${input.memberId} is not suspended; nothing changed`
          : `no member with id ${input.memberId}; nothing changed`,
      );
      return EXIT.refused;
    }
    out(`member ${input.memberId} may log in again (audited)`);
    return EXIT.ok;
  },
});
