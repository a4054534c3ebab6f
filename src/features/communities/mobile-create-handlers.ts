import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import type { FieldErrors } from '../../http/render.js';
import { forbidden } from '../../http/errors.js';
import { keysetLinks, MOBILE_BUDGET } from '../../http/mobile-budget.js';
import { tokyoDate } from '../../lib/dates.js';
import { keysetPage } from '../../lib/pages.js';
import { PREFECTURES, prefectureName } from '../../lib/prefectures.js';
import { fieldErrors } from '../../lib/forms.js';
import { isManager } from './access.js';
import { communityPage, loadCommunity, pageLink, readableCommunity } from './pages.js';
import type { CommunityView } from './queries.js';
import * as q from './queries.js';
import { eventFormFor, TimePageQuery } from './schemas.js';

// What a member makes in communities from a phone (a community, a topic, an event: the PC handlers
// with views/mobile/ forms), and the member list 10 at a time. The rules are the PC ones.
// An event is made in two steps on a 240 px screen: when and where (checked, nothing written), then
// the text and a photo, the first step's answers carried as hidden fields to the PC handler, which
// checks everything again (a 422 there shows the whole form, every field kept). 修正する is a submit
// of the second step's own form (eventBack), so the text typed there goes back to step 1 too, where
// it rides as a hidden field until step 2 shows it again: going back loses nothing but a chosen photo.

/** The fields of an event's first step; the second is the body and the photo. */
const EVENT_STEP_ONE = [
  'title',
  'event_date',
  'date_note',
  'prefecture',
  'deadline',
  'capacity',
  'submission_key',
] as const;

/** Everything typed in either step, as the form sent it. */
function eventValues(req: Request): Record<string, string> {
  return Object.fromEntries(
    [...EVENT_STEP_ONE, 'body'].map((name) => [name, typeof req.body?.[name] === 'string' ? req.body[name] : '']),
  );
}

/** May the viewer start a topic or an event here? The same rule as the PC board (postingCommunity). */
export function mayStartTopic(community: CommunityView): boolean {
  return !!community.viewer_role && (community.topic_creation === 'members' || isManager(community.viewer_role));
}

export function mobileCommunityCreateHandlers(ctx: AppContext) {
  const { db } = ctx;
  const L = MOBILE_BUDGET.list;

  /** As the PC board: a viewer who may not read the board gets 404, one who may not post here 403. */
  async function postingCommunity(req: Request): Promise<CommunityView> {
    const community = await readableCommunity(ctx, req);
    if (!mayStartTopic(community))
      throw forbidden(
        community.viewer_role ? 'communities.post.refused.managers_only' : 'communities.post.refused.not_member',
      );
    return community;
  }

  function eventStep(
    req: Request,
    res: Response,
    community: CommunityView,
    step: 1 | 2,
    status: number,
    values: Record<string, unknown>,
    errors: FieldErrors = {},
  ) {
    const chosen = Number(values.prefecture);
    communityPage(
      req,
      res,
      step === 1 ? 'event-step1' : 'event-step2',
      community,
      {
        title: req.t('communities.events.new'),
        kind: 'event',
        step,
        values,
        errors,
        prefectures:
          step === 1 ? PREFECTURES.map((p, i) => ({ code: i + 1, name: req.locale === 'en' ? p.en : p.ja })) : [],
        prefecture: step === 2 && chosen >= 1 && chosen <= PREFECTURES.length ? prefectureName(chosen, req.locale) : '',
        carried: EVENT_STEP_ONE.map((name) => ({ name, value: String(values[name] ?? '') })),
      },
      status,
    );
  }

  return {
    /** An event's first step: title, dates, place, deadline, capacity. */
    async newEvent(req: Request, res: Response) {
      eventStep(req, res, await postingCommunity(req), 1, 200, {
        submission_key: crypto.randomUUID(),
        event_date: '',
        deadline: '',
        prefecture: '',
      });
    },

    /** The first step sent: its fields checked (422 with them kept), then the second step; 修正する goes back. Nothing is written. */
    async eventNext(req: Request, res: Response) {
      const community = await postingCommunity(req);
      const values = eventValues(req);
      if (req.body?.back !== undefined) return eventStep(req, res, community, 1, 200, values);
      // The whole event form with a stand-in body: the date rules (deadline before the event) run too.
      const form = eventFormFor(tokyoDate(ctx.clock.now())).safeParse({ ...values, body: '-' });
      const errors = form.success
        ? {}
        : Object.fromEntries(
            Object.entries(fieldErrors(form.error)).filter(([k]) => (EVENT_STEP_ONE as readonly string[]).includes(k)),
          );
      if (Object.keys(errors).length) return eventStep(req, res, community, 1, 422, values, errors);
      eventStep(req, res, community, 2, 200, values);
    },

    /**
     * 修正する on the second step (a submit of the upload form, before the PC handler and its limit):
     * step 1 again with both steps' fields kept; nothing written, a chosen photo dropped. Else on.
     */
    async eventBack(req: Request, res: Response, next: NextFunction) {
      if (req.body?.back === undefined) return next();
      eventStep(req, res, await postingCommunity(req), 1, 200, eventValues(req));
    },

    /** Every member, newest first, 10 a page; the managers named on top. */
    async members(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const page = TimePageQuery.parse(req.query);
      const before =
        page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
      const [rows, managers] = await Promise.all([
        q.membersPage(db, community.id, { limit: L + 1, before }),
        q.managersOf(db, community.id),
      ]);
      const list = keysetPage(rows, L, (last) =>
        pageLink({ before_at: new Date(last.joined_at).toISOString(), before_id: last.id }),
      );
      communityPage(req, res, 'members', community, {
        title: req.t('communities.members.title', { name: community.name }),
        members: list.items,
        managers,
        ...keysetLinks(req, list.next),
      });
    },
  };
}
