import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { parseSearchQuery } from '../../lib/forms.js';
import { PREFECTURES } from '../../lib/prefectures.js';
import { formatTextHtml } from '../../lib/text.js';
import { fieldErrors } from '../accounts/schemas.js';
import { avatarsFor } from './avatars.js';
import { GENDERS, MemberSearchQuery, ProfileForm, VISIBILITIES } from './schemas.js';
import { profileForEdit, saveProfile, searchMembers } from './queries.js';
import { loadProfilePage } from './page.js';

const SEARCH_PAGE = 20;

export function profileHandlers(ctx: AppContext) {
  const { db } = ctx;

  function editPage(req: Request, res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string> = {}) {
    render(res.status(status), 'pc/profiles/edit', {
      title: req.t('profile.edit.title'), values, errors, visibilities: VISIBILITIES, genders: GENDERS,
      prefectures: PREFECTURES.map((p, i) => ({ code: i + 1, name: req.locale === 'en' ? p.en : p.ja })),
    });
  }

  return {
    /** The profile page (SPEC §2). Missing, withdrawn, suspended and blocked-either-way are one 404. */
    async show(req: Request, res: Response) {
      const page = await loadProfilePage(ctx, req, { friends: 9, diaries: 5, communities: 9 });
      render(res, 'pc/profiles/show', {
        ...page,
        introductions: page.introductions.map((i) => ({ ...i, bodyHtml: formatTextHtml(i.body) })),
        selfIntroductionHtml: page.profile.self_introduction ? formatTextHtml(page.profile.self_introduction) : '',
      });
    },

    async showEdit(req: Request, res: Response) {
      editPage(req, res, 200, await profileForEdit(db, req.member!.id));
    },

    async saveEdit(req: Request, res: Response) {
      const form = ProfileForm.safeParse(req.body);
      if (!form.success) return editPage(req, res, 422, req.body ?? {}, fieldErrors(form.error));
      await saveProfile(db, req.member!.id, form.data, ctx.clock.now());
      req.session.flash = req.t('profile.edit.saved');
      res.redirect(303, `/members/${req.member!.id}`);
    },

    async search(req: Request, res: Response) {
      const { data: query, typed, error } = parseSearchQuery(MemberSearchQuery, req.query);
      const rows = query.q ? await searchMembers(db, { viewerId: req.member!.id, q: query.q, before: query.before, limit: SEARCH_PAGE + 1 }) : [];
      const results = rows.slice(0, SEARCH_PAGE);
      const avatars = await avatarsFor(db, results.map((r) => r.id));
      render(res.status(error ? 422 : 200), 'pc/profiles/search', {
        title: req.t('search.members.title'),
        q: error ? typed : query.q,
        qError: error,
        results,
        avatars,
        nextBefore: rows.length > SEARCH_PAGE ? results[results.length - 1].id : null,
      });
    },
  };
}
