import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { inMemoryPage, keysetLinks, MOBILE_BUDGET, pageLinks, PartQuery, textPage } from '../../http/mobile-budget.js';
import { mobileQuery } from '../../http/mobile.js';
import { tokyoDate } from '../../lib/dates.js';
import { excerpt } from '../../lib/text-parts.js';
import { keysetPage } from '../../lib/pages.js';
import { formatTextHtml } from '../../lib/text.js';
import { mainPhotosOf } from '../photos/profile-queries.js';
import { photoUrl } from '../photos/variants.js';
import { PREFECTURES, prefectureName } from '../../lib/prefectures.js';
import { fieldErrors } from '../../lib/forms.js';
import { GENDERS, ProfileFieldsForm, SelfIntroductionForm, VISIBILITIES } from './schemas.js';
import { profileForEdit, saveProfile, searchMembers } from './queries.js';
import { loadProfilePage } from './page.js';
import { parseMemberSearch, searchFormLocals } from './search.js';
import { profileAudienceErrors } from './audience.js';
import { groupsOf } from '../friends/groups-queries.js';

const SECTIONS = { friends: 5, diaries: 5, communities: 5 };
/** Introductions shown on the mobile profile, as excerpts; all of them on their own pages. */
const INTRODUCTIONS_SHOWN = 2;

export function mobileProfileHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** The profile edit pages: the fields (one page), the self-introduction (another). */
  async function editPage(
    req: Request,
    res: Response,
    view: 'edit' | 'edit-introduction',
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) {
    render(res.status(status), `mobile/profiles/${view}`, {
      title: req.t('profile.edit.title'),
      pcPath: '/profile/edit',
      values,
      errors,
      visibilities: VISIBILITIES,
      genders: GENDERS,
      audienceGroups: await groupsOf(db, req.member!.id),
      prefectures: PREFECTURES.map((p, i) => ({ code: i + 1, name: req.locale === 'en' ? p.en : p.ja })),
    });
  }

  function saveWith(
    view: 'edit' | 'edit-introduction',
    schema: typeof ProfileFieldsForm | typeof SelfIntroductionForm,
  ) {
    return async (req: Request, res: Response) => {
      const form = schema.safeParse(req.body);
      const errors = form.success
        ? await profileAudienceErrors(db, req.member!.id, form.data)
        : fieldErrors(form.error);
      if (!form.success || Object.keys(errors).length) return editPage(req, res, view, 422, req.body ?? {}, errors);
      await saveProfile(db, req.member!.id, form.data, ctx.clock.now());
      req.session.flash = req.t('profile.edit.saved');
      res.redirect(303, `/m/members/${req.member!.id}`);
    };
  }

  return {
    showEdit: async (req: Request, res: Response) =>
      editPage(req, res, 'edit', 200, await profileForEdit(db, req.member!.id)),
    saveEdit: saveWith('edit', ProfileFieldsForm),
    showEditIntroduction: async (req: Request, res: Response) =>
      editPage(req, res, 'edit-introduction', 200, await profileForEdit(db, req.member!.id)),
    saveEditIntroduction: saveWith('edit-introduction', SelfIntroductionForm),

    /** The profile: fields, a 120 px photo, short sections; a long self-introduction in parts. */
    async show(req: Request, res: Response) {
      const { part } = PartQuery.parse(req.query);
      const page = await loadProfilePage(ctx, req, SECTIONS, { countVisit: (part ?? 1) === 1 });
      const [main] = await mainPhotosOf(db, [page.profile.id]);
      render(res, 'mobile/profiles/show', {
        ...page,
        photo: main ? photoUrl(main.photo_id, 'm120') : null,
        selfIntroduction: page.profile.self_introduction ? textPage(page.profile.self_introduction, req.query) : null,
        introductions: page.introductions
          .slice(0, INTRODUCTIONS_SHOWN)
          .map((i) => ({ ...i, body: excerpt(i.body, MOBILE_BUDGET.excerpt) })),
        moreIntroductions: page.introductions.length > INTRODUCTIONS_SHOWN,
      });
    },

    /** Every introduction about the member, a budget of text per page. */
    async introductions(req: Request, res: Response) {
      const page = await loadProfilePage(ctx, req, { friends: 0, diaries: 0, communities: 0 }, { countVisit: false });
      const shown = inMemoryPage(page.introductions, req.query, (i) => i.body.length);
      render(res, 'mobile/friends/introductions', {
        title: req.t('profile.introductions'),
        pcPath: `/members/${page.profile.id}`,
        profile: page.profile,
        isSelf: page.isSelf,
        introductions: shown.items.map((i) => ({ ...i, bodyHtml: formatTextHtml(i.body) })),
        ...pageLinks(shown.page, shown.more),
      });
    },

    /** Member search by nickname and filters (area, age range, gender), 10 a page; queries in Shift_JIS from carrier browsers. */
    async search(req: Request, res: Response) {
      const search = parseMemberSearch(req.query);
      const rows = search.run
        ? await searchMembers(db, {
            ...search.input,
            viewerId: req.member!.id,
            today: tokyoDate(ctx.clock.now()),
            limit: MOBILE_BUDGET.list + 1,
          })
        : [];
      const page = keysetPage(rows, MOBILE_BUDGET.list, (last) =>
        mobileQuery(req, { ...search.values, before: last.id }),
      );
      render(res.status(search.errors ? 422 : 200), 'mobile/profiles/search', {
        title: req.t('search.members.title'),
        ...searchFormLocals(req, search),
        results: page.items.map((r) => ({
          ...r,
          area: prefectureName(r.prefecture, req.locale),
          introduction: r.introduction ? excerpt(r.introduction, MOBILE_BUDGET.excerpt) : null,
        })),
        ...keysetLinks(req, page.next),
      });
    },
  };
}
