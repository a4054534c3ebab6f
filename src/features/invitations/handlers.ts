import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { inMemoryPage, pageLinks } from '../../http/mobile-budget.js';
import { notFound } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { fieldErrors } from '../../lib/forms.js';
import { countMadeSince, isInvitationOnly, sentInvitations, statusOf } from './queries.js';
import { InvitationForm } from './schemas.js';
import { INVITATION_DAYS, createInvitation, revokeInvitation, tokyoMonthStart } from './service.js';
import { idParam } from '../../http/params.js';

/** /invitations on PC and /m/ (render picks the tree): make, list, revoke. The mobile list is
 * paged within the budget (10 a page, the notes' text counted); the PC one shows the latest 50. */
export function invitationHandlers(ctx: AppContext, surface: { mobile?: boolean } = {}) {
  const { db } = ctx;
  const perMonth = ctx.config.invitations.perMonth;

  /** The link a new invitation's code makes: the site's public address when set, else this request's. */
  function linkFor(req: Request, code: string): string {
    const origin = ctx.config.publicOrigin ?? `${req.protocol}://${req.get('host')}`;
    return `${origin}/register?code=${code}`;
  }

  async function page(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown> = {},
    errors: Record<string, string> = {},
  ) {
    const memberId = req.member!.id;
    const now = ctx.clock.now();
    const [rows, made, invitationOnly] = await Promise.all([
      sentInvitations(db, memberId),
      countMadeSince(db, memberId, tokyoMonthStart(now)),
      isInvitationOnly(db),
    ]);
    // The link of the invitation just made is shown once: only its hash is kept.
    const fresh = req.session.newInvitation;
    if (fresh) delete req.session.newInvitation;
    const invitations = rows.map((r) => ({ ...r, status: statusOf(r, now) }));
    const paged = surface.mobile ? inMemoryPage(invitations, req.query, (r) => [...r.note].length) : null;
    render(res.status(status), 'pc/invitations/index', {
      title: req.t('invitations.title'),
      invitations: paged ? paged.items : invitations,
      ...(paged ? pageLinks(paged.page, paged.more) : {}),
      left: Math.max(0, perMonth - made),
      perMonth,
      days: INVITATION_DAYS,
      invitationOnly,
      newLink: fresh ? linkFor(req, fresh.code) : null,
      values,
      errors,
    });
  }

  return {
    list: (req: Request, res: Response) => page(req, res, 200),

    async create(req: Request, res: Response) {
      const form = InvitationForm.safeParse(req.body ?? {});
      if (!form.success) return page(req, res, 422, req.body, fieldErrors(form.error));
      const result = await createInvitation(db, {
        inviterId: req.member!.id,
        note: form.data.note,
        at: ctx.clock.now(),
        perMonth,
      });
      if (!result.ok)
        return page(req, res, 422, req.body, {
          _form: result.reason === 'allowance' ? 'invitations.allowance.used' : 'invitations.unavailable',
        });
      req.session.newInvitation = { id: result.id, code: result.code };
      setFlash(req, req.t('invitations.created'));
      res.redirect(303, '/invitations');
    },

    async revoke(req: Request, res: Response) {
      const id = idParam(req);
      if (!(await revokeInvitation(db, { inviterId: req.member!.id, id, at: ctx.clock.now() }))) throw notFound();
      setFlash(req, req.t('invitations.revoked'));
      res.redirect(303, '/invitations');
    },
  };
}
