import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { DIARY_VISIBILITIES, fieldErrors } from '../../lib/forms.js';
import { FeedAddForm, FeedVisibilityForm } from './schemas.js';
import { FEEDS_PER_MEMBER, addFeed, removeFeed } from './service.js';
import * as q from './queries.js';
import { logFor } from '../../lib/log.js';
import { idParam } from '../../http/params.js';

const log = logFor('feeds');

/** Settings › external blogs (/settings/feeds). */
export function feedHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function page(
    req: Request,
    res: Response,
    status = 200,
    form: { values?: Record<string, unknown>; errors?: Record<string, string> } = {},
  ) {
    const memberId = req.member!.id;
    const [feeds, visibility] = await Promise.all([q.feedsOf(db, memberId), q.externalBlogVisibility(db, memberId)]);
    const canAdd = feeds.length < FEEDS_PER_MEMBER;
    render(res.status(status), 'pc/feeds/settings', {
      title: req.t('feeds.settings.title'),
      feeds,
      canAdd,
      // At the limit the form goes, a line says why; a refused URL still comes back in its form.
      showAddForm: canAdd || Boolean(form.errors?.url),
      visibilities: DIARY_VISIBILITIES,
      values: { external_blog_visibility: visibility, ...form.values },
      errors: form.errors ?? {},
    });
  }

  return {
    show: (req: Request, res: Response) => page(req, res),

    async add(req: Request, res: Response) {
      const form = FeedAddForm.safeParse(req.body);
      if (!form.success)
        return page(req, res, 422, { values: { url: req.body?.url }, errors: fieldErrors(form.error) });
      const result = await addFeed(db, { memberId: req.member!.id, url: form.data.url, at: ctx.clock.now() });
      if (!result.ok)
        return page(req, res, 422, {
          values: { url: req.body.url },
          errors: { url: `validation.feeds.${result.reason}` },
        });
      // The first poll now rather than at the next sweep; if queuing fails, the sweep takes it.
      await ctx.jobs
        .send('feeds.poll', { feedId: result.feedId })
        .catch((err: Error) => log.warn({ reqId: req.id }, `enqueue failed, the sweep will poll: ${err.message}`));
      req.session.flash = req.t('feeds.added');
      res.redirect(303, '/settings/feeds');
    },

    async remove(req: Request, res: Response) {
      const id = idParam(req);
      if (!(await removeFeed(db, { memberId: req.member!.id, feedId: id }))) throw notFound();
      req.session.flash = req.t('feeds.removed');
      res.redirect(303, '/settings/feeds');
    },

    async saveVisibility(req: Request, res: Response) {
      const form = FeedVisibilityForm.safeParse(req.body);
      if (!form.success)
        return page(req, res, 422, {
          values: { external_blog_visibility: req.body?.external_blog_visibility },
          errors: fieldErrors(form.error),
        });
      await q.saveExternalBlogVisibility(db, req.member!.id, form.data.external_blog_visibility, ctx.clock.now());
      req.session.flash = req.t('feeds.visibility.saved');
      res.redirect(303, '/settings/feeds');
    },
  };
}
