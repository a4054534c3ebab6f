import { Router } from 'express';
import type { AppContext } from '../context.js';
import { requireAdmin, requireStaff } from '../http/auth.js';
import { adminHandlers } from '../features/moderation/admin/admin-handlers.js';
import { queueHandlers } from '../features/moderation/admin/queue-handlers.js';
import { memberAdminHandlers } from '../features/moderation/admin/member-admin-handlers.js';
import { communityAdminHandlers } from '../features/moderation/admin/community-admin-handlers.js';
import { noticeAdminHandlers } from '../features/moderation/admin/notice-admin-handlers.js';
import { invitationAdminHandlers } from '../features/invitations/admin-handlers.js';

/**
 * Every URL of the back office, mounted at /admin. PC only: plain tables and forms, no JavaScript.
 * The staff guard is applied once, here, before any route: for anyone else every /admin/ URL —
 * these and any unknown one — is the ordinary 404. A few acts are for admins only (requireAdmin).
 */
export function adminRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireStaff);

  const desk = adminHandlers(ctx);
  const queue = queueHandlers(ctx);
  const members = memberAdminHandlers(ctx);
  const communities = communityAdminHandlers(ctx);
  const notices = noticeAdminHandlers(ctx);

  r.get('/', desk.dashboard);

  // ─── Reports ───
  r.get('/reports', queue.queue);
  r.get('/reports/:type/:id', queue.target);
  r.post('/reports/:type/:id/dismiss', queue.dismiss);
  r.post('/reports/:type/:id/hide', queue.hide);
  r.post('/reports/:type/:id/restore', queue.restore);

  // ─── Members ───
  r.get('/members', members.search);
  r.get('/members/:id', members.show);
  r.post('/members/:id/suspend', members.suspend);
  r.post('/members/:id/unsuspend', members.unsuspend);
  r.post('/members/:id/birth-date', requireAdmin, members.changeBirthDate);

  // ─── Communities ───
  r.get('/communities', communities.search);
  r.get('/communities/:id', communities.show);
  r.post('/communities/:id/suspend', communities.suspend);
  r.post('/communities/:id/restore', communities.restore);
  r.post('/communities/:id/owner', requireAdmin, communities.reassignOwner);
  r.post('/communities/:id/delete', requireAdmin, communities.remove);

  // ─── Site notices ───
  r.get('/notices', notices.list);
  r.get('/notices/new', notices.showNew);
  r.post('/notices', notices.create);
  r.get('/notices/:id/edit', notices.showEdit);
  r.post('/notices/:id/edit', notices.update);
  r.post('/notices/:id/delete', notices.remove);

  // ─── Invitations: who invited whom; the invitation-only switch ───
  const invitations = invitationAdminHandlers(ctx);
  r.get('/invitations', invitations.list);
  r.post('/invitations/mode', requireAdmin, invitations.setMode);

  // ─── Audit log ───
  r.get('/audit', desk.audit);
  return r;
}
