import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { fieldErrors } from '../../../lib/forms.js';
import * as actions from '../actions.js';
import * as hiding from '../hiding/actions.js';
import {
  auditLines,
  adminPage,
  redirectWith,
  targetParams,
  withBodyHtml,
  NO_FORM,
  sentForm,
  type FormState,
} from './admin-pages.js';
import { auditPage } from '../audit.js';
import { closedReports, openReportGroups, reportsOn } from '../reports/reports.js';
import { OptionalReasonForm, ReasonForm, ReportQueueQuery, type TargetType } from '../schemas.js';
import { loadTargets, targetKey } from './target-context.js';
import { isHideable } from '../hiding/state.js';
import { excerpt } from '../../../lib/text-parts.js';

const QUEUE_PAGE = 50;
/** In the queue each text is cut to this many characters; the whole of it is on the report's page. */
const QUEUE_TEXT_CHARS = 200;

/** A text as the queue shows it: shortened (on one line) when long, and whether it was cut. */
function queueText(text: string): { text: string; cut: boolean } {
  const short = excerpt(text, QUEUE_TEXT_CHARS);
  return { text: short, cut: [...text.replace(/\s+/g, ' ').trim()].length > QUEUE_TEXT_CHARS };
}

/** A report with its reason cut for the queue. */
function queueReport<R extends { body: string }>(r: R) {
  const body = queueText(r.body);
  return { ...r, body: body.text, bodyCut: body.cut };
}

/** The reports queue and what staff do with one reported thing: dismiss, hide, restore. */
export function queueHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** A reported thing with every report on it, its history and the action forms. */
  async function targetPage(req: Request, res: Response, status: number, form: FormState = NO_FORM) {
    const { type, id } = targetParams(req);
    const reports = await reportsOn(db, [{ type, id }], { openOnly: false });
    // Private messages are opened by staff only when someone reported them.
    if (type === 'message' && !reports.length) throw notFound();
    const [targets, history] = await Promise.all([
      loadTargets(db, [{ type, id }]),
      auditPage(db, { limit: 50, target: { type, id } }),
    ]);
    const target = targets.get(targetKey(type, id));
    if (!target && !reports.length) throw notFound();
    adminPage(
      req,
      res,
      'reports/target',
      {
        title: req.t('admin.target.title', { type: req.t(`reports.type.${type}`) }),
        type,
        id,
        target: target ? withBodyHtml(target) : null,
        snapshot: reports.length ? reports[reports.length - 1].snapshot : '',
        reports,
        hasOpen: reports.some((r) => r.status === 'open'),
        hideable: isHideable(type),
        reportedMemberId: target?.authorId ?? reports.find((r) => r.reported_member_id)?.reported_member_id ?? null,
        history: auditLines(req.t, history),
        form,
      },
      status,
    );
  }

  const back = (type: TargetType, id: number) => `/admin/reports/${type}/${id}`;

  /** Hide (with the reason members will see) or show again. */
  function setHidden(hide: boolean) {
    return async (req: Request, res: Response) => {
      const { type, id } = targetParams(req);
      if (!isHideable(type)) throw notFound();
      const form = (hide ? ReasonForm : OptionalReasonForm).safeParse(req.body);
      if (!form.success)
        return targetPage(req, res, 422, sentForm(req, hide ? 'hide' : 'restore', fieldErrors(form.error)));
      const input = { staffId: req.member!.id, type, id, reason: form.data.reason, at: ctx.clock.now() };
      const result = hide ? await hiding.hideContent(db, input) : await hiding.restoreContent(db, input);
      if (!result.ok && result.reason === 'not_found') throw notFound();
      const message = result.ok
        ? hide
          ? 'admin.done.hide'
          : 'admin.done.restore'
        : hide
          ? 'admin.refused.alreadyHidden'
          : 'admin.refused.notHidden';
      redirectWith(req, res, back(type, id), req.t(message), result.ok ? 'success' : 'error');
    };
  }

  return {
    /** Open reports grouped by what they are about, oldest first, with the content in context; or the latest closed ones. */
    async queue(req: Request, res: Response) {
      const { status } = ReportQueueQuery.parse(req.query);
      if (status === 'closed') {
        const closed = await closedReports(db, QUEUE_PAGE);
        return adminPage(req, res, 'reports/queue', {
          title: req.t('admin.reports.title'),
          status,
          groups: [],
          closed: closed.map(queueReport),
        });
      }
      const groups = await openReportGroups(db, QUEUE_PAGE);
      const targetsOf = groups.map((g) => ({ type: g.target_type, id: g.target_id }));
      const [targets, reports] = await Promise.all([
        loadTargets(db, targetsOf),
        reportsOn(db, targetsOf, { openOnly: true }),
      ]);
      adminPage(req, res, 'reports/queue', {
        title: req.t('admin.reports.title'),
        status,
        closed: [],
        groups: groups.map((g) => {
          const key = targetKey(g.target_type, g.target_id);
          const target = targets.get(key);
          const mine = reports.filter((r) => targetKey(r.target_type, r.target_id) === key);
          // Long texts are cut here, with a link to the report's page where they are whole.
          const body = target ? queueText(target.body) : null;
          const snapshot = queueText(mine[0]?.snapshot ?? '');
          return {
            ...g,
            target: target ? withBodyHtml({ ...target, body: body!.text }) : null,
            bodyCut: !!body?.cut,
            reports: mine.map(queueReport),
            snapshot: snapshot.text,
            snapshotCut: snapshot.cut,
            link: back(g.target_type, g.target_id),
          };
        }),
      });
    },

    target: (req: Request, res: Response) => targetPage(req, res, 200),

    async dismiss(req: Request, res: Response) {
      const { type, id } = targetParams(req);
      const form = OptionalReasonForm.safeParse(req.body);
      if (!form.success) return targetPage(req, res, 422, sentForm(req, 'dismiss', fieldErrors(form.error)));
      const result = await actions.dismissReports(db, {
        staffId: req.member!.id,
        type,
        id,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok) return redirectWith(req, res, back(type, id), req.t('admin.refused.noOpenReports'), 'error');
      redirectWith(req, res, '/admin/reports', req.t('admin.done.dismiss'));
    },

    hide: setHidden(true),
    restore: setHidden(false),
  };
}
