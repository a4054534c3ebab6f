import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { destroySession, sessionCookieName } from '../../http/session.js';
import { LoginForm, NextPath, PhoneForm, ResetCodeForm } from './schemas.js';
import { fieldErrors } from '../../lib/forms.js';
import * as accounts from './service.js';
import { startMemberSession } from './login-session.js';
import { withoutPasswords } from './form-values.js';
import { codeRefusal, codeRequestRefusal, suspensionNotice } from './messages.js';

export function loginHandlers(ctx: AppContext) {
  const { db } = ctx;

  function loginPage(
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
    notice?: string,
  ) {
    render(res.status(status), 'pc/accounts/login', { title: res.req.t('login.title'), values, errors, notice });
  }

  return {
    showLogin(req: Request, res: Response) {
      const next = typeof req.query.next === 'string' ? NextPath.parse(req.query.next) : undefined;
      loginPage(res, 200, { next });
    },

    async submitLogin(req: Request, res: Response) {
      const form = LoginForm.safeParse(req.body);
      const values = withoutPasswords(req.body);
      if (!form.success || !form.data.phone.trim() || !form.data.password) {
        return loginPage(res, 422, values, { _form: 'login.error.missing' });
      }
      const result = await accounts.authenticate(db, ctx, { phone: form.data.phone, password: form.data.password });
      if (!result.ok) {
        if (result.reason === 'throttled') {
          res.set('Retry-After', String(result.retryAfterSeconds));
          return loginPage(res, 429, values, { _form: 'login.error.throttled' });
        }
        // The notice alone says it (until when, why): no second "suspended" line, no "check your input".
        if (result.reason === 'suspended')
          return loginPage(res, 403, values, {}, suspensionNotice(req.t, req.locale, result));
        // Unknown number and wrong password: one status, one message.
        return loginPage(res, 401, values, { _form: 'login.error.invalid' });
      }
      await startMemberSession(req, ctx.clock, result.memberId);
      res.redirect(303, NextPath.parse(form.data.next));
    },

    async logout(req: Request, res: Response) {
      await destroySession(req);
      res.clearCookie(sessionCookieName(ctx.config), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.config.isProduction,
      });
      res.redirect(303, '/');
    },

    // ─── Password reset: number → code + new password ───

    showResetPhone(req: Request, res: Response) {
      render(res, 'pc/accounts/reset-phone', { title: req.t('reset.title') });
    },

    async submitResetPhone(req: Request, res: Response) {
      const form = PhoneForm.safeParse(req.body);
      const page = (status: number, errors: Record<string, string>, notice?: string) =>
        render(res.status(status), 'pc/accounts/reset-phone', {
          title: req.t('reset.title'),
          values: req.body,
          errors,
          notice,
        });
      if (!form.success) return page(422, fieldErrors(form.error));
      const result = await accounts.startPasswordReset(db, ctx, { phone: form.data.phone, ip: req.ip ?? '' });
      if (!result.ok) {
        if (result.retryAfterSeconds) res.set('Retry-After', String(result.retryAfterSeconds));
        return page(429, {}, codeRequestRefusal(req.t, result));
      }
      req.session.reset = { verificationId: result.verificationId };
      res.redirect(303, '/password-reset/code');
    },

    showResetCode(req: Request, res: Response) {
      if (!req.session.reset) return res.redirect(303, '/password-reset');
      render(res, 'pc/accounts/reset-code', { title: req.t('reset.title') });
    },

    async submitResetCode(req: Request, res: Response) {
      const reset = req.session.reset;
      if (!reset) return res.redirect(303, '/password-reset');
      const page = (status: number, errors: Record<string, string>) =>
        render(res.status(status), 'pc/accounts/reset-code', {
          title: req.t('reset.title'),
          values: withoutPasswords(req.body),
          errors,
        });
      const form = ResetCodeForm.safeParse(req.body);
      if (!form.success) return page(422, fieldErrors(form.error));
      const result = await accounts.completePasswordReset(db, ctx, {
        verificationId: reset.verificationId,
        code: form.data.code,
        password: form.data.password,
      });
      if (!result.ok) {
        if (result.reason === 'no_account') return page(422, { code: 'validation.code.expired' });
        return page(422, { code: codeRefusal(req.t, result) });
      }
      delete req.session.reset;
      req.session.flash = req.t('reset.done');
      res.redirect(303, '/login');
    },
  };
}
