import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { IdParam } from '../../lib/forms.js';
import { tokyoDate } from '../../lib/dates.js';
import { PREFECTURES, prefectureName } from '../../lib/prefectures.js';
import { formatTextHtml } from '../../lib/text.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { recordFootprintOnView } from '../footprints/record.js';
import { friendsPage, introductionBy, introductionsAbout, openRequest } from '../friends/queries.js';
import { fieldErrors } from '../accounts/schemas.js';
import { avatarsFor } from './avatars.js';
import { diariesByAuthor } from '../diaries/queries.js';
import { GENDERS, MemberSearchQuery, ProfileForm, VISIBILITIES } from './schemas.js';
import { profileAsSeenBy, profileForEdit, saveProfile, searchMembers } from './queries.js';

const SEARCH_PAGE = 20;

function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

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
      const id = IdParam.safeParse(req.params.id);
      if (!id.success) throw notFound();
      const viewer = req.member!;
      if (id.data !== viewer.id && (await isBlockedEitherWay(db, viewer.id, id.data))) throw notFound();
      const profile = await profileAsSeenBy(db, id.data, viewer.id);
      if (!profile) throw notFound();
      await recordFootprintOnView(ctx, req, profile.id);

      const isSelf = profile.id === viewer.id;
      const [friends, introductions, sent, received, mine, latestDiaries] = await Promise.all([
        friendsPage(db, profile.id, { limit: 9 }),
        introductionsAbout(db, profile.id),
        isSelf ? null : openRequest(db, viewer.id, profile.id),
        isSelf ? null : openRequest(db, profile.id, viewer.id),
        isSelf ? null : introductionBy(db, profile.id, viewer.id),
        diariesByAuthor(db, profile.id, viewer.id, { limit: 5 }),
      ]);
      const avatars = await avatarsFor(db, [profile.id, ...friends.map((f) => f.id), ...introductions.map((i) => i.author_id)]);
      const today = tokyoDate(ctx.clock.now());
      render(res, 'pc/profiles/show', {
        title: profile.nickname,
        profile,
        avatar: avatars.get(profile.id) ?? null,
        avatars,
        isSelf,
        isFriend: profile.relationship === 2,
        requestSent: !!sent,
        requestReceived: received?.status === 'pending',
        wroteIntroduction: !!mine,
        friends,
        latestDiaries,
        introductions: introductions.map((i) => ({ ...i, bodyHtml: formatTextHtml(i.body) })),
        prefecture: prefectureName(profile.prefecture, req.locale),
        age: profile.age_shown && profile.birth_date ? ageOn(profile.birth_date, today) : null,
        birthday: profile.birthday_shown && profile.birth_date ? { month: Number(profile.birth_date.slice(5, 7)), day: Number(profile.birth_date.slice(8, 10)) } : null,
        selfIntroductionHtml: profile.self_introduction ? formatTextHtml(profile.self_introduction) : '',
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
      const query = MemberSearchQuery.parse(req.query);
      const rows = query.q ? await searchMembers(db, { viewerId: req.member!.id, q: query.q, before: query.before, limit: SEARCH_PAGE + 1 }) : [];
      const results = rows.slice(0, SEARCH_PAGE);
      const avatars = await avatarsFor(db, results.map((r) => r.id));
      render(res, 'pc/profiles/search', {
        title: req.t('search.members.title'),
        q: query.q,
        results,
        avatars,
        nextBefore: rows.length > SEARCH_PAGE ? results[results.length - 1].id : null,
      });
    },
  };
}
