import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { PREFECTURES, prefectureName } from '../../lib/prefectures.js';
import { tokyoDate } from '../../lib/dates.js';
import { formatTextHtml } from '../../lib/text.js';
import { fieldErrors } from '../../lib/forms.js';
import { avatarsFor } from './avatars.js';
import { GENDERS, ProfileForm, VISIBILITIES } from './schemas.js';
import { parseMemberSearch, searchFormLocals, searchLink } from './search.js';
import { profileForEdit, saveProfile, searchMembers } from './queries.js';
import { loadProfilePage } from './page.js';
import { profileAudienceErrors } from './audience.js';
import { groupsOf } from '../friends/groups-queries.js';

const SEARCH_PAGE = 20;

export function profileHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function editPage(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) {
    render(res.status(status), 'pc/profiles/edit', {
      title: req.t('profile.edit.title'),
      values,
      errors,
      visibilities: VISIBILITIES,
      genders: GENDERS,
      // The member's friend groups, offered per field as 「グループ: 名前」 (value 'group:<id>').
      audienceGroups: await groupsOf(db, req.member!.id),
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
      return editPage(req, res, 200, await profileForEdit(db, req.member!.id));
    },

    async saveEdit(req: Request, res: Response) {
      const form = ProfileForm.safeParse(req.body);
      const errors = form.success
        ? await profileAudienceErrors(db, req.member!.id, form.data)
        : fieldErrors(form.error);
      if (!form.success || Object.keys(errors).length) return editPage(req, res, 422, req.body ?? {}, errors);
      await saveProfile(db, req.member!.id, form.data, ctx.clock.now());
      req.session.flash = req.t('profile.edit.saved');
      res.redirect(303, `/members/${req.member!.id}`);
    },

    /** Member search: nickname and filters (area, age range, gender); 422 with the form kept on bad input. */
    async search(req: Request, res: Response) {
      const search = parseMemberSearch(req.query);
      const rows = search.run
        ? await searchMembers(db, {
            ...search.input,
            viewerId: req.member!.id,
            today: tokyoDate(ctx.clock.now()),
            limit: SEARCH_PAGE + 1,
          })
        : [];
      const results = rows.slice(0, SEARCH_PAGE);
      const avatars = await avatarsFor(
        db,
        results.map((r) => r.id),
      );
      const last = results[results.length - 1];
      render(res.status(search.errors ? 422 : 200), 'pc/profiles/search', {
        title: req.t('search.members.title'),
        ...searchFormLocals(req, search),
        results: results.map((r) => ({ ...r, area: prefectureName(r.prefecture, req.locale) })),
        avatars,
        next: rows.length > SEARCH_PAGE ? `/search/members${searchLink(search.values, last.id)}` : null,
      });
    },
  };
}
