import { Router } from 'express';
import type { AppContext } from '../context.js';
import { requireGuest, requireMember } from '../http/auth.js';
import { limitBy } from '../http/rate-limit.js';
import { registrationHandlers } from '../features/accounts/registration-handlers.js';
import { loginHandlers } from '../features/accounts/login-handlers.js';
import { settingsHandlers } from '../features/accounts/settings-handlers.js';
import { homeHandlers } from '../features/home/handlers.js';
import { footprintHandlers } from '../features/footprints/handlers.js';
import { siteHandlers } from '../features/site/handlers.js';
import { profileHandlers } from '../features/profiles/handlers.js';
import { photoHandlers } from '../features/photos/handlers.js';
import { profilePhotoHandlers } from '../features/photos/profile-handlers.js';
import { acceptFiles } from '../http/uploads.js';
import { friendHandlers } from '../features/friends/handlers.js';
import { blockHandlers } from '../features/blocks/handlers.js';
import { feedHandlers } from '../features/feeds/handlers.js';
import { diaryHandlers } from '../features/diaries/handlers.js';
import { diaryListHandlers } from '../features/diaries/list-handlers.js';
import { MAX_DIARY_PHOTOS } from '../features/diaries/service.js';

/** Every URL of the PC site, in one readable list. */
export function pcRoutes(ctx: AppContext): Router {
  const r = Router();
  const site = siteHandlers(ctx);
  const reg = registrationHandlers(ctx);
  const login = loginHandlers(ctx);
  const settings = settingsHandlers(ctx);
  const home = homeHandlers(ctx);
  const footprints = footprintHandlers(ctx);
  const profiles = profileHandlers(ctx);
  const friends = friendHandlers(ctx);
  const blocks = blockHandlers(ctx);
  const diaries = diaryHandlers(ctx);
  const diaryLists = diaryListHandlers(ctx);
  const diaryLimit = limitBy(ctx.limiters.diaries, (req) => `member:${req.member?.id}`, 'validation.diary.limit');
  const commentLimit = limitBy(ctx.limiters.comments, (req) => `member:${req.member?.id}`, 'validation.comment.limit');
  const friendRequestLimit = limitBy(ctx.limiters.friendRequests, (req) => `member:${req.member?.id}`);
  const loginLimit = limitBy(ctx.limiters.loginPerIp, (req) => `ip:${req.ip}`, 'login.error.throttled');
  const smsLimit = limitBy(ctx.limiters.smsRequestsPerIp, (req) => `ip:${req.ip}`);

  // Open to visitors
  r.get('/', site.landing);
  r.get('/terms', site.terms);
  r.get('/locale/:lang', site.setLocale);

  r.get('/register', requireGuest, reg.showPhone);
  r.post('/register', requireGuest, smsLimit, reg.submitPhone);
  r.get('/register/code', requireGuest, reg.showCode);
  r.post('/register/code', requireGuest, reg.submitCode);
  r.post('/register/resend', requireGuest, smsLimit, reg.resendCode);
  r.get('/register/profile', requireGuest, reg.showProfile);
  r.post('/register/profile', requireGuest, reg.submitProfile);

  r.get('/login', requireGuest, login.showLogin);
  r.post('/login', loginLimit, requireGuest, login.submitLogin);
  r.post('/logout', login.logout);

  r.get('/password-reset', requireGuest, login.showResetPhone);
  r.post('/password-reset', requireGuest, smsLimit, login.submitResetPhone);
  r.get('/password-reset/code', requireGuest, login.showResetCode);
  r.post('/password-reset/code', requireGuest, login.submitResetCode);

  // Members only
  r.get('/home', requireMember, home.show);
  r.get('/settings', requireMember, settings.show);
  r.post('/settings', requireMember, settings.update);
  r.get('/settings/password', requireMember, settings.showPassword);
  r.post('/settings/password', requireMember, settings.changePassword);
  r.get('/settings/phone', requireMember, settings.showPhone);
  r.post('/settings/phone', requireMember, smsLimit, settings.startPhoneChange);
  r.get('/settings/phone/code', requireMember, settings.showPhoneCode);
  r.post('/settings/phone/code', requireMember, settings.completePhoneChange);
  r.post('/settings/sessions/logout-others', requireMember, settings.logOutOthers);
  r.get('/settings/withdraw', requireMember, settings.showWithdraw);
  r.post('/settings/withdraw', requireMember, settings.withdraw);

  // ─── Friends and blocks ───
  r.get('/friends', requireMember, friends.list);
  r.get('/friends/requests', requireMember, friends.showRequests);
  r.post('/friends/requests/:requestId/accept', requireMember, friends.accept);
  r.post('/friends/requests/:requestId/decline', requireMember, friends.decline);
  r.post('/friends/requests/:requestId/cancel', requireMember, friends.cancel);
  r.get('/members/:id/friends', requireMember, friends.list);
  r.get('/members/:id/friend-request', requireMember, friends.showRequestForm);
  r.post('/members/:id/friend-request', requireMember, friendRequestLimit, friends.sendRequest);
  r.get('/members/:id/unfriend', requireMember, friends.showUnfriend);
  r.post('/members/:id/unfriend', requireMember, friends.unfriend);
  r.get('/members/:id/introduction', requireMember, friends.showIntroduction);
  r.post('/members/:id/introduction', requireMember, friends.saveIntroduction);
  r.post('/members/:id/introductions/:authorId/delete', requireMember, friends.deleteIntroduction);
  r.get('/blocks', requireMember, blocks.list);
  r.post('/members/:id/block', requireMember, blocks.block);
  r.post('/members/:id/unblock', requireMember, blocks.unblock);

  // ─── Profiles and member search ───
  r.get('/members/:id', requireMember, profiles.show);
  r.get('/profile/edit', requireMember, profiles.showEdit);
  r.post('/profile/edit', requireMember, profiles.saveEdit);
  r.get('/search/members', requireMember, profiles.search);

  // ─── Photos ───
  const photos = photoHandlers(ctx);
  const profilePhotos = profilePhotoHandlers(ctx);
  r.get('/photos/:id/:variant', requireMember, photos.serve);
  r.get('/profile/photos', requireMember, profilePhotos.show);
  r.post('/profile/photos', requireMember, acceptFiles('photo', 1), profilePhotos.upload);
  r.post('/profile/photos/:id/main', requireMember, profilePhotos.makeMain);
  r.post('/profile/photos/:id/delete', requireMember, profilePhotos.remove);

  // ─── Footprints ───
  r.get('/footprints', requireMember, footprints.visitors);
  r.get('/footprints/left', requireMember, footprints.left);

  // ─── Diaries ───
  r.get('/diaries/new', requireMember, diaries.showNew);
  r.post('/diaries', requireMember, acceptFiles('photos', MAX_DIARY_PHOTOS), diaryLimit, diaries.create);
  r.get('/diaries/friends', requireMember, diaryLists.friends);
  r.get('/diaries/comments', requireMember, diaryLists.newComments);
  r.get('/diaries/:id', requireMember, diaries.show);
  r.get('/diaries/:id/edit', requireMember, diaries.showEdit);
  r.post('/diaries/:id/edit', requireMember, acceptFiles('photos', MAX_DIARY_PHOTOS), diaries.update);
  r.get('/diaries/:id/delete', requireMember, diaries.showDelete);
  r.post('/diaries/:id/delete', requireMember, diaries.remove);
  r.post('/diaries/:id/comments', requireMember, commentLimit, diaries.addComment);
  r.post('/diaries/:id/comments/:number/delete', requireMember, diaries.deleteComment);
  r.get('/members/:id/diaries', requireMember, diaryLists.byAuthor);

  // ─── External blogs (feeds) ───
  const feeds = feedHandlers(ctx);
  r.get('/settings/feeds', requireMember, feeds.show);
  r.post('/settings/feeds', requireMember, feeds.add);
  r.post('/settings/feeds/visibility', requireMember, feeds.saveVisibility);
  r.post('/settings/feeds/:id/delete', requireMember, feeds.remove);

  // ─── Communities ───

  // ─── Messages ───

  if (!ctx.config.isProduction) r.get('/dev/sms', site.devSms);
  return r;
}
