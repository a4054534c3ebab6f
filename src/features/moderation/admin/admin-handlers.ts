import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { tokyoDate } from '../../../lib/dates.js';
import { smsSentOn } from '../../sms/service.js';
import { adminPage, auditLines } from './admin-pages.js';
import { memberCounts, ownerlessCommunityCount, signupsPerDay } from './admin-queries.js';
import { auditPage } from '../audit.js';
import { openReportCount } from '../reports/reports.js';
import { AuditQuery } from '../schemas.js';

const AUDIT_PAGE = 50;

/** The dashboard and the audit log. */
export function adminHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    async dashboard(req: Request, res: Response) {
      const now = ctx.clock.now();
      const ownerless = await ownerlessCommunityCount(db); // 管理人不在: owners who withdrew with nobody to take over
      const [members, signups, openReports, smsToday] = await Promise.all([
        memberCounts(db),
        signupsPerDay(db, now, 14),
        openReportCount(db),
        smsSentOn(db, tokyoDate(now)),
      ]);
      adminPage(req, res, 'dashboard', {
        ownerless,
        title: req.t('admin.dashboard.title'),
        members,
        signups,
        openReports,
        sms: {
          sent: smsToday,
          cap: ctx.config.sms.dailyCap,
          alarm: ctx.config.sms.dailyAlarm,
          alarmed: smsToday >= ctx.config.sms.dailyAlarm,
        },
      });
    },

    /** Newest first, 50 a page; ?member= (actions concerning a member), ?type=&target= (one thing). */
    async audit(req: Request, res: Response) {
      const query = AuditQuery.parse(req.query);
      const rows = await auditPage(db, {
        limit: AUDIT_PAGE + 1,
        before: query.before,
        subjectMemberId: query.member,
        target: query.type ? { type: query.type, id: query.target } : undefined,
      });
      const list = rows.slice(0, AUDIT_PAGE);
      const filters = new URLSearchParams(
        Object.entries({ member: query.member, type: query.type, target: query.target })
          .filter((e): e is [string, string | number] => e[1] !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      if (rows.length > AUDIT_PAGE) filters.set('before', String(list[list.length - 1].id));
      adminPage(req, res, 'audit', {
        title: req.t('admin.audit.title'),
        rows: auditLines(req.t, list),
        next: rows.length > AUDIT_PAGE ? `?${filters.toString()}` : null,
      });
    },
  };
}
