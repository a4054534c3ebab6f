import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { destroySession, regenerateSession, saveSession, sessionCookieName } from '../../http/session.js';
import { formatJapaneseMobile } from '../../lib/phone.js';
import { AccountSettingsForm, CodeForm, PasswordChangeForm, PhoneChangeForm, WithdrawForm } from './schemas.js';
import { DIARY_VISIBILITIES, fieldErrors } from '../../lib/forms.js';
import * as q from './queries.js';
import * as settings from './settings-service.js';
import { withoutPasswords } from './form-values.js';
import { codeRefusal, codeRequestRefusal } from './messages.js';
import { notFound } from '../../http/errors.js';
import { rotateCsrfSecret } from '../../http/csrf.js';

/** Too many wrong current passwords for this account (the login throttle): the form again, told to wait. */
const THROTTLED = { current_password: 'validation.password.throttled' };

function waitFor(res: Response, throttled: { retryAfterSeconds: number }): number {
  res.set('Retry-After', String(throttled.retryAfterSeconds));
  return 429;
}

export function settingsHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function settingsPage(
    req: Request,
    res: Response,
    status: number,
    values?: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) {
    const account = await q.findAccount(db, req.member!.id);
    if (!account) throw notFound();
    const otherSessions = (await q.countMemberSessions(db, account.id)) - 1;
    render(res.status(status), 'pc/accounts/settings', {
      title: req.t('settings.title'),
      values: values ?? {
        nickname: account.nickname,
        default_diary_visibility: account.default_diary_visibility,
        show_last_login: account.show_last_login ? '1' : '0',
      },
      errors,
      phone: formatJapaneseMobile(account.phone),
      visibilities: DIARY_VISIBILITIES,
      otherSessions: Math.max(otherSessions, 0),
    });
  }

  function simplePage(
    view: string,
    titleKey: 'settings.password.title' | 'settings.phone.title' | 'settings.withdraw.title',
  ) {
    return (
      req: Request,
      res: Response,
      status = 200,
      values: Record<string, unknown> = {},
      errors: Record<string, string> = {},
      notice?: string,
    ) => render(res.status(status), view, { title: req.t(titleKey), values, errors, notice });
  }
  const passwordPage = simplePage('pc/accounts/settings-password', 'settings.password.title');
  const phonePage = simplePage('pc/accounts/settings-phone', 'settings.phone.title');
  const withdrawPage = simplePage('pc/accounts/settings-withdraw', 'settings.withdraw.title');

  function phoneCodePage(
    req: Request,
    res: Response,
    status: number,
    errors: Record<string, string> = {},
    notice?: string,
  ) {
    render(res.status(status), 'pc/accounts/register-code', {
      title: req.t('settings.phone.title'),
      phone: formatJapaneseMobile(req.session.phoneChange!.phone),
      errors,
      notice,
      action: '/settings/phone/code',
      resendAction: null,
    });
  }

  return {
    show: (req: Request, res: Response) => settingsPage(req, res, 200),

    async update(req: Request, res: Response) {
      const form = AccountSettingsForm.safeParse(req.body);
      if (!form.success) return settingsPage(req, res, 422, req.body, fieldErrors(form.error));
      await settings.updateAccountSettings(db, req.member!.id, form.data);
      req.session.flash = req.t('settings.saved');
      res.redirect(303, '/settings');
    },

    showPassword: (req: Request, res: Response) => passwordPage(req, res),

    async changePassword(req: Request, res: Response) {
      const form = PasswordChangeForm.safeParse(req.body);
      if (!form.success) return passwordPage(req, res, 422, {}, fieldErrors(form.error));
      const result = await settings.changePassword(db, ctx, {
        memberId: req.member!.id,
        currentPassword: form.data.current_password,
        newPassword: form.data.password,
        keepSid: req.sessionID,
      });
      if (!result.ok) {
        if (result.reason === 'throttled') return passwordPage(req, res, waitFor(res, result), {}, THROTTLED);
        return passwordPage(req, res, 422, {}, { current_password: 'validation.password.wrongCurrent' });
      }
      req.session.flash = req.t('settings.password.done');
      res.redirect(303, '/settings');
    },

    showPhone: (req: Request, res: Response) => phonePage(req, res),

    async startPhoneChange(req: Request, res: Response) {
      const form = PhoneChangeForm.safeParse(req.body);
      const values = withoutPasswords(req.body);
      if (!form.success) return phonePage(req, res, 422, values, fieldErrors(form.error));
      const result = await settings.startPhoneChange(db, ctx, {
        memberId: req.member!.id,
        currentPassword: form.data.current_password,
        phone: form.data.phone,
        ip: req.ip ?? '',
      });
      if (!result.ok) {
        if (result.reason === 'throttled') return phonePage(req, res, waitFor(res, result), values, THROTTLED);
        if (result.reason === 'wrong_password')
          return phonePage(req, res, 422, values, { current_password: 'validation.password.wrongCurrent' });
        if (result.reason === 'same_number')
          return phonePage(req, res, 422, values, { phone: 'validation.phone.same' });
        if (result.retryAfterSeconds) res.set('Retry-After', String(result.retryAfterSeconds));
        return phonePage(req, res, 429, values, {}, codeRequestRefusal(req.t, result));
      }
      req.session.phoneChange = { verificationId: result.verificationId, phone: form.data.phone };
      res.redirect(303, '/settings/phone/code');
    },

    showPhoneCode(req: Request, res: Response) {
      if (!req.session.phoneChange) return res.redirect(303, '/settings/phone');
      phoneCodePage(req, res, 200);
    },

    async completePhoneChange(req: Request, res: Response) {
      const change = req.session.phoneChange;
      if (!change) return res.redirect(303, '/settings/phone');
      const form = CodeForm.safeParse(req.body);
      if (!form.success) return phoneCodePage(req, res, 422, fieldErrors(form.error));
      const result = await settings.completePhoneChange(db, ctx, {
        memberId: req.member!.id,
        verificationId: change.verificationId,
        code: form.data.code,
      });
      if (!result.ok) {
        if (result.reason === 'phone_taken') return phoneCodePage(req, res, 422, { code: 'validation.code.expired' });
        return phoneCodePage(req, res, 422, { code: codeRefusal(req.t, result) });
      }
      // The account's identity changed: a new session id, as on login.
      const { memberId, loginAt, lastSeenAt } = req.session;
      const maxAge = req.session.cookie.maxAge;
      await regenerateSession(req);
      Object.assign(req.session, { memberId, loginAt, lastSeenAt, flash: req.t('settings.phone.done') });
      req.session.cookie.maxAge = maxAge;
      rotateCsrfSecret(req);
      await saveSession(req);
      res.redirect(303, '/settings');
    },

    async logOutOthers(req: Request, res: Response) {
      const ended = await settings.logOutOtherDevices(db, req.member!.id, req.sessionID);
      req.session.flash = req.t('settings.sessions.done', { count: ended });
      res.redirect(303, '/settings');
    },

    showWithdraw: (req: Request, res: Response) => withdrawPage(req, res),

    async withdraw(req: Request, res: Response) {
      const form = WithdrawForm.safeParse(req.body);
      if (!form.success) return withdrawPage(req, res, 422, withoutPasswords(req.body), fieldErrors(form.error));
      const result = await settings.withdrawMember(db, ctx, {
        memberId: req.member!.id,
        currentPassword: form.data.current_password,
      });
      if (!result.ok) {
        if (result.reason === 'throttled')
          return withdrawPage(req, res, waitFor(res, result), withoutPasswords(req.body), THROTTLED);
        return withdrawPage(req, res, 422, withoutPasswords(req.body), {
          current_password: 'validation.password.wrongCurrent',
        });
      }
      await destroySession(req);
      res.clearCookie(sessionCookieName(ctx.config), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.config.isProduction,
      });
      res.redirect(303, '/?withdrawn=1');
    },
  };
}
