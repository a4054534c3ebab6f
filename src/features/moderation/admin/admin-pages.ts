import type { Request, Response } from 'express';
import { z } from 'zod';
import { render, type FieldErrors } from '../../../http/render.js';
import { notFound } from '../../../http/errors.js';
import { IdParam } from '../../../lib/forms.js';
import { maskJapaneseMobile } from '../../../lib/phone.js';
import { formatTextHtml } from '../../../lib/text.js';
import { isMessageKey, type Translate } from '../../../i18n/index.js';
import type { AuditRow } from '../audit.js';
import type { TargetView } from './target-context.js';
import { TARGET_TYPES } from '../schemas.js';
import { setFlash, type FlashKind } from '../../../http/flash.js';

// What the back office's pages share: rendering from views/admin/, the ids in their URLs, and the
// few values every page formats the same way (masked phones, action names, member text).

/** A form on an admin page that was sent with mistakes: which form, what was typed, what is wrong. */
export type FormState = { name: string; values: Record<string, unknown>; errors: FieldErrors };
export const NO_FORM: FormState = { name: '', values: {}, errors: {} };

export function sentForm(req: Request, name: string, errors: FieldErrors): FormState {
  return { name, values: (req.body ?? {}) as Record<string, unknown>, errors };
}

export function adminPage(
  req: Request,
  res: Response,
  view: string,
  locals: Record<string, unknown> = {},
  status = 200,
) {
  render(res.status(status), `admin/${view}`, { section: view.split('/')[0], form: NO_FORM, ...locals });
}

const TargetParams = z.object({ type: z.enum(TARGET_TYPES), id: IdParam });

export function targetParams(req: Request): z.infer<typeof TargetParams> {
  const p = TargetParams.safeParse(req.params);
  if (!p.success) throw notFound();
  return p.data;
}

/** Post / redirect / get with a message on the next page. */
export function redirectWith(req: Request, res: Response, path: string, message: string, kind: FlashKind = 'success') {
  setFlash(req, message, kind);
  res.redirect(303, path);
}

export function maskedPhone(phone: string | null): string {
  return phone ? maskJapaneseMobile(phone) : '—';
}

/** A target with its text as HTML (escaped by the one formatter) for the views. */
export function withBodyHtml(v: TargetView) {
  return { ...v, bodyHtml: formatTextHtml(v.body) };
}

/** Audit rows as the log and history tables show them. */
export function auditLines(t: Translate, rows: AuditRow[]) {
  return rows.map((r) => {
    const key = `admin.action.${r.action}`;
    return {
      ...r,
      actionLabel: isMessageKey(key) ? t(key) : r.action,
      beforeText: r.before ? JSON.stringify(r.before) : '',
      afterText: r.after ? JSON.stringify(r.after) : '',
      targetLink:
        r.target_type === 'member'
          ? `/admin/members/${r.target_id}`
          : r.target_type === 'community'
            ? `/admin/communities/${r.target_id}`
            : r.target_type === 'notice'
              ? '/admin/notices'
              : r.target_type === 'site_settings'
                ? '/admin/invitations'
                : `/admin/reports/${r.target_type}/${r.target_id}`,
    };
  });
}
