import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { formatJapaneseMobile } from '../../lib/phone.js';
import { CodeForm, PhoneForm, RegisterProfileForm } from './schemas.js';
import { fieldErrors } from '../../lib/forms.js';
import * as accounts from './service.js';
import { startMemberSession } from './login-session.js';
import type { RequestCodeResult } from './verification.js';
import { withoutPasswords } from './form-values.js';
import { codeRefusal, codeRequestRefusal } from './messages.js';
import { setFlash } from '../../http/flash.js';
import type { MessageKey } from '../../i18n/index.js';
import { findUsableInvitation, isInvitationOnly } from '../invitations/service.js';
import { InvitationCodeQuery } from '../invitations/schemas.js';

// Registration in three steps (SPEC §1): number → code → profile. The session carries the
// verification id between steps, which binds the code to this browser.

export function registrationHandlers(ctx: AppContext) {
  const { db } = ctx;

  function phoneStep(
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
    notice?: string,
    invitation: { code?: string; invitedBy?: string } = {},
  ) {
    render(res.status(status), 'pc/accounts/register-phone', {
      title: res.req.t('register.title'),
      values,
      errors,
      notice,
      invitationCode: invitation.code,
      invitedBy: invitation.invitedBy,
    });
  }

  /** Invitation-only and no usable invitation: why registration is closed to this visitor. */
  function closedStep(res: Response, status: number, reason: MessageKey) {
    render(res.status(status), 'pc/accounts/register-closed', { title: res.req.t('register.title'), reason });
  }

  /**
   * The invitation this browser came with, and whether registration is open to it: always when the
   * site is not invitation-only; otherwise only with a usable invitation. The code comes from the
   * link (`?code=`), then from the phone form's hidden field (a visitor's GET stores no session),
   * then from the session, where step 1's POST keeps it through the SMS steps.
   */
  async function invitationGate(
    req: Request,
    given: unknown,
  ): Promise<{ ok: true; code?: string; invitedBy?: string } | { ok: false; reason: MessageKey }> {
    let code: string | undefined;
    let malformed = false;
    if (given !== undefined && given !== '') {
      const q = InvitationCodeQuery.safeParse({ code: given });
      if (q.success) code = q.data.code;
      else malformed = true;
    } else code = req.session.invitationCode;
    const usable = code ? await findUsableInvitation(db, code, ctx.clock.now()) : null;
    if (usable) return { ok: true, code, invitedBy: usable.inviter_nickname };
    if (!(await isInvitationOnly(db))) return { ok: true };
    return { ok: false, reason: code || malformed ? 'invitations.register.invalid' : 'invitations.register.required' };
  }

  function codeStep(req: Request, res: Response, status: number, errors: Record<string, string> = {}, notice?: string) {
    const reg = req.session.registration!;
    render(res.status(status), 'pc/accounts/register-code', {
      title: req.t('register.title'),
      phone: formatJapaneseMobile(reg.phone),
      errors,
      notice,
      action: '/register/code',
      resendAction: '/register/resend',
    });
  }

  function profileStep(
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) {
    render(res.status(status), 'pc/accounts/register-profile', { title: res.req.t('register.title'), values, errors });
  }

  function afterCodeRequest(
    req: Request,
    res: Response,
    phone: string,
    result: RequestCodeResult,
    onRefused: (status: number, notice: string) => void,
  ) {
    if (!result.ok) {
      if (result.retryAfterSeconds) res.set('Retry-After', String(result.retryAfterSeconds));
      return onRefused(429, codeRequestRefusal(req.t, result));
    }
    req.session.registration = { verificationId: result.verificationId, phone };
    res.redirect(303, '/register/code');
  }

  return {
    async showPhone(req: Request, res: Response) {
      const gate = await invitationGate(req, req.query.code);
      if (!gate.ok) return closedStep(res, 403, gate.reason);
      phoneStep(res, 200, {}, {}, undefined, gate);
    },

    async submitPhone(req: Request, res: Response) {
      // Refused before any SMS is sent.
      const gate = await invitationGate(req, req.body?.invitation_code);
      if (!gate.ok) return closedStep(res, 403, gate.reason);
      const form = PhoneForm.safeParse(req.body);
      if (!form.success) return phoneStep(res, 422, req.body, fieldErrors(form.error), undefined, gate);
      const result = await accounts.startRegistration(db, ctx, { phone: form.data.phone, ip: req.ip ?? '' });
      if (gate.code) req.session.invitationCode = gate.code;
      else delete req.session.invitationCode;
      afterCodeRequest(req, res, form.data.phone, result, (status, notice) =>
        phoneStep(res, status, req.body, {}, notice, gate),
      );
    },

    showCode(req: Request, res: Response) {
      if (!req.session.registration) return res.redirect(303, '/register');
      if (req.session.registration.verified) return res.redirect(303, '/register/profile');
      codeStep(req, res, 200);
    },

    async submitCode(req: Request, res: Response) {
      const reg = req.session.registration;
      if (!reg) return res.redirect(303, '/register');
      const form = CodeForm.safeParse(req.body);
      if (!form.success) return codeStep(req, res, 422, fieldErrors(form.error));
      const result = await accounts.verifyRegistrationCode(db, ctx, {
        verificationId: reg.verificationId,
        code: form.data.code,
      });
      if (!result.ok) return codeStep(req, res, 422, { code: codeRefusal(req.t, result) });
      reg.verified = true;
      res.redirect(303, '/register/profile');
    },

    async resendCode(req: Request, res: Response) {
      const reg = req.session.registration;
      if (!reg) return res.redirect(303, '/register');
      const result = await accounts.startRegistration(db, ctx, { phone: reg.phone, ip: req.ip ?? '' });
      if (result.ok) req.session.flash = req.t('register.code.resent');
      afterCodeRequest(req, res, reg.phone, result, (status, notice) => codeStep(req, res, status, {}, notice));
    },

    showProfile(req: Request, res: Response) {
      if (!req.session.registration?.verified) return res.redirect(303, '/register');
      profileStep(res, 200, {});
    },

    async submitProfile(req: Request, res: Response) {
      const reg = req.session.registration;
      if (!reg?.verified) return res.redirect(303, '/register');
      const form = RegisterProfileForm.safeParse(req.body);
      if (!form.success) return profileStep(res, 422, withoutPasswords(req.body), fieldErrors(form.error));
      const result = await accounts.registerMember(db, ctx, {
        verificationId: reg.verificationId,
        nickname: form.data.nickname,
        birthDate: form.data.birth_date,
        password: form.data.password,
        invitationCode: req.session.invitationCode,
      });
      if (!result.ok) {
        if (result.reason === 'invitation_invalid') {
          // Used, revoked or expired meanwhile, or the site became invitation-only: nothing was made.
          const reason = req.session.invitationCode ? 'invitations.register.invalid' : 'invitations.register.required';
          delete req.session.invitationCode;
          return closedStep(res, 403, reason);
        }
        if (result.reason === 'under_age')
          return profileStep(res, 422, withoutPasswords(req.body), { birth_date: 'validation.birthDate.underAge' });
        delete req.session.registration;
        setFlash(req, req.t(result.reason === 'phone_taken' ? 'register.phoneTaken' : 'register.expired'), 'error');
        return res.redirect(303, result.reason === 'phone_taken' ? '/login' : '/register');
      }
      delete req.session.invitationCode;
      // Invited by a member at the friend limit: registered all the same, without the friendship, and told so.
      const notFriends =
        result.invitation && !result.invitation.befriended
          ? ` ${req.t('invitations.register.inviterFull', { nickname: result.invitation.inviterNickname })}`
          : '';
      await startMemberSession(
        req,
        ctx.clock,
        result.memberId,
        req.t('register.welcome', { nickname: form.data.nickname }) + notFriends,
      );
      res.redirect(303, '/home');
    },
  };
}
