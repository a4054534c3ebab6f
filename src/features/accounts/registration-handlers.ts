import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { formatJapaneseMobile } from '../../lib/phone.js';
import { CodeForm, PhoneForm, RegisterProfileForm, fieldErrors } from './schemas.js';
import * as accounts from './service.js';
import { startMemberSession } from './login-session.js';
import type { RequestCodeResult } from './verification.js';
import { withoutPasswords } from './form-values.js';
import { codeRefusal, codeRequestRefusal } from './messages.js';
import { setFlash } from '../../http/flash.js';

// Registration in three steps (SPEC §1): number → code → profile. The session carries the
// verification id between steps, which binds the code to this browser.

export function registrationHandlers(ctx: AppContext) {
  const { db } = ctx;

  function phoneStep(res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string> = {}, notice?: string) {
    render(res.status(status), 'pc/accounts/register-phone', { title: res.req.t('register.title'), values, errors, notice });
  }

  function codeStep(req: Request, res: Response, status: number, errors: Record<string, string> = {}, notice?: string) {
    const reg = req.session.registration!;
    render(res.status(status), 'pc/accounts/register-code', {
      title: req.t('register.title'), phone: formatJapaneseMobile(reg.phone), errors, notice,
      action: '/register/code', resendAction: '/register/resend',
    });
  }

  function profileStep(res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string> = {}) {
    render(res.status(status), 'pc/accounts/register-profile', { title: res.req.t('register.title'), values, errors });
  }

  function afterCodeRequest(req: Request, res: Response, phone: string, result: RequestCodeResult, onRefused: (status: number, notice: string) => void) {
    if (!result.ok) {
      if (result.retryAfterSeconds) res.set('Retry-After', String(result.retryAfterSeconds));
      return onRefused(429, codeRequestRefusal(req.t, result));
    }
    req.session.registration = { verificationId: result.verificationId, phone };
    res.redirect(303, '/register/code');
  }

  return {
    showPhone(req: Request, res: Response) {
      phoneStep(res, 200, {});
    },

    async submitPhone(req: Request, res: Response) {
      const form = PhoneForm.safeParse(req.body);
      if (!form.success) return phoneStep(res, 422, req.body, fieldErrors(form.error));
      const result = await accounts.startRegistration(db, ctx, { phone: form.data.phone, ip: req.ip ?? '' });
      afterCodeRequest(req, res, form.data.phone, result, (status, notice) => phoneStep(res, status, req.body, {}, notice));
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
      const result = await accounts.verifyRegistrationCode(db, ctx, { verificationId: reg.verificationId, code: form.data.code });
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
        verificationId: reg.verificationId, nickname: form.data.nickname, birthDate: form.data.birth_date, password: form.data.password,
      });
      if (!result.ok) {
        if (result.reason === 'under_age') return profileStep(res, 422, withoutPasswords(req.body), { birth_date: 'validation.birthDate.underAge' });
        delete req.session.registration;
        setFlash(req, req.t(result.reason === 'phone_taken' ? 'register.phoneTaken' : 'register.expired'), 'error');
        return res.redirect(303, result.reason === 'phone_taken' ? '/login' : '/register');
      }
      await startMemberSession(req, ctx.clock, result.memberId, req.t('register.welcome', { nickname: form.data.nickname }));
      res.redirect(303, '/home');
    },
  };
}
