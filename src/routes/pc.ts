import { Router } from 'express';
import type { AppContext } from '../context.js';
import { requireGuest, requireMember } from '../http/auth.js';
import { registrationHandlers } from '../features/accounts/registration-handlers.js';
import { loginHandlers } from '../features/accounts/login-handlers.js';
import { settingsHandlers } from '../features/accounts/settings-handlers.js';
import { homeHandlers } from '../features/home/handlers.js';
import { footprintHandlers } from '../features/footprints/handlers.js';
import { siteHandlers } from '../features/site/handlers.js';
import { profileHandlers } from '../features/profiles/handlers.js';
import { photoHandlers } from '../features/photos/handlers.js';
import { profilePhotoHandlers } from '../features/photos/profile-handlers.js';
import { acceptFiles, uploadRoute } from '../http/uploads.js';
import { friendHandlers } from '../features/friends/handlers.js';
import { friendGroupHandlers } from '../features/friends/groups-handlers.js';
import { blockHandlers } from '../features/blocks/handlers.js';
import { invitationHandlers } from '../features/invitations/handlers.js';
import { feedHandlers } from '../features/feeds/handlers.js';
import { diaryHandlers, exceptPreview } from '../features/diaries/handlers.js';
import { diaryListHandlers } from '../features/diaries/list-handlers.js';
import { MAX_DIARY_PHOTOS } from '../features/diaries/service.js';
import { albumHandlers } from '../features/albums/handlers.js';
import { MAX_PHOTOS_PER_POST } from '../features/albums/service.js';
import { messageHandlers } from '../features/messages/handlers.js';
import { reportHandlers } from '../features/moderation/reports/report-handlers.js';
import { managerReportHandlers } from '../features/moderation/reports/manager-handlers.js';
import { communityHandlers } from '../features/communities/handlers.js';
import { managementHandlers } from '../features/communities/management/management-handlers.js';
import { boardHandlers } from '../features/communities/board/board-handlers.js';
import { findHandlers } from '../features/communities/board/find-handlers.js';
import { eventHandlers } from '../features/communities/events/event-handlers.js';
import { MAX_POST_PHOTOS } from '../features/communities/board/board-service.js';

/** Every URL of the PC site, in one readable list. */
export function pcRoutes(ctx: AppContext): Router {
  const r = Router();
  // A POST that takes files: its multipart body is parsed there and nowhere else (http/uploads.ts).
  const upload = uploadRoute(r);
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
  const diaryLimit = ctx.rateLimits.diaries;
  const commentLimit = ctx.rateLimits.comments;
  const friendRequestLimit = ctx.rateLimits.friendRequests;
  const loginLimit = ctx.rateLimits.login;
  const smsLimit = ctx.rateLimits.sms;

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
  const friendGroups = friendGroupHandlers(ctx);
  r.get('/friends/groups', requireMember, friendGroups.list);
  r.post('/friends/groups', requireMember, friendGroups.create);
  r.get('/friends/groups/:groupId', requireMember, friendGroups.show);
  r.post('/friends/groups/:groupId/rename', requireMember, friendGroups.rename);
  r.post('/friends/groups/:groupId/delete', requireMember, friendGroups.remove);
  r.post('/friends/groups/:groupId/members', requireMember, friendGroups.addMember);
  r.post('/friends/groups/:groupId/members/:memberId/remove', requireMember, friendGroups.removeMember);
  r.get('/members/:id/friends', requireMember, friends.list);
  r.get('/members/:id/friend-request', requireMember, friends.showRequestForm);
  r.post('/members/:id/friend-request', requireMember, friendRequestLimit, friends.sendRequest);
  r.get('/members/:id/unfriend', requireMember, friends.showUnfriend);
  r.post('/members/:id/unfriend', requireMember, friends.unfriend);
  r.post('/members/:id/hide-updates', requireMember, friends.hideUpdates);
  r.get('/members/:id/introduction', requireMember, friends.showIntroduction);
  r.post('/members/:id/introduction', requireMember, friends.saveIntroduction);
  r.post('/members/:id/introductions/:authorId/delete', requireMember, friends.deleteIntroduction);
  r.get('/blocks', requireMember, blocks.list);
  r.post('/members/:id/block', requireMember, blocks.block);
  r.post('/members/:id/unblock', requireMember, blocks.unblock);

  // ─── Invitations (the site may be invitation-only) ───
  const invitations = invitationHandlers(ctx);
  r.get('/invitations', requireMember, invitations.list);
  r.post('/invitations', requireMember, invitations.create);
  r.post('/invitations/:id/revoke', requireMember, invitations.revoke);

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
  upload('/profile/photos', acceptFiles('photo', 1), requireMember, profilePhotos.upload);
  r.post('/profile/photos/:id/main', requireMember, profilePhotos.makeMain);
  r.post('/profile/photos/:id/delete', requireMember, profilePhotos.remove);

  // ─── Footprints ───
  r.get('/footprints', requireMember, footprints.visitors);
  r.get('/footprints/left', requireMember, footprints.left);
  r.post('/footprints/milestone', requireMember, footprints.saveMilestone);
  r.post('/footprints/milestones/:number/dismiss', requireMember, footprints.dismissMilestone);

  // ─── Diaries ───
  r.get('/diaries/new', requireMember, diaries.showNew);
  upload('/diaries', acceptFiles('photos', MAX_DIARY_PHOTOS), requireMember, exceptPreview(diaryLimit), diaries.create);
  r.get('/diaries/friends', requireMember, diaryLists.friends);
  r.get('/diaries/drafts', requireMember, diaryLists.drafts);
  r.get('/diaries/comments', requireMember, diaryLists.newComments);
  r.get('/diaries/:id', requireMember, diaries.show);
  r.get('/diaries/:id/edit', requireMember, diaries.showEdit);
  upload('/diaries/:id/edit', acceptFiles('photos', MAX_DIARY_PHOTOS), requireMember, diaries.update);
  r.post('/diaries/:id/publish', requireMember, diaries.publish);
  r.get('/diaries/:id/delete', requireMember, diaries.showDelete);
  r.post('/diaries/:id/delete', requireMember, diaries.remove);
  r.post('/diaries/:id/comments', requireMember, commentLimit, diaries.addComment);
  r.post('/diaries/:id/comments/:number/delete', requireMember, diaries.deleteComment);
  r.get('/members/:id/diaries', requireMember, diaryLists.byAuthor);

  // ─── Photo albums (features/albums/CONTEXT.md) ───
  const albums = albumHandlers(ctx);
  r.get('/albums', requireMember, albums.mine);
  r.get('/albums/new', requireMember, albums.showNew);
  r.post('/albums', requireMember, albums.create);
  r.get('/albums/:id', requireMember, albums.show);
  r.get('/albums/:id/edit', requireMember, albums.showEdit);
  r.post('/albums/:id/edit', requireMember, albums.update);
  r.post('/albums/:id/delete', requireMember, albums.remove);
  upload('/albums/:id/photos', acceptFiles('photos', MAX_PHOTOS_PER_POST), requireMember, albums.addPhotos);
  r.post('/albums/:id/photos/:photoId/caption', requireMember, albums.updateCaption);
  r.post('/albums/:id/photos/:photoId/cover', requireMember, albums.setCover);
  r.post('/albums/:id/photos/:photoId/delete', requireMember, albums.deletePhoto);
  r.post('/albums/:id/comments', requireMember, commentLimit, albums.addComment);
  r.post('/albums/:id/comments/:commentId/delete', requireMember, albums.deleteComment);
  r.get('/members/:id/albums', requireMember, albums.byMember);

  // ─── External blogs (feeds) ───
  const feeds = feedHandlers(ctx);
  r.get('/settings/feeds', requireMember, feeds.show);
  r.post('/settings/feeds', requireMember, feeds.add);
  r.post('/settings/feeds/visibility', requireMember, feeds.saveVisibility);
  r.post('/settings/feeds/:id/delete', requireMember, feeds.remove);

  // ─── Communities ───
  const communities = communityHandlers(ctx);
  const communityAdmin = managementHandlers(ctx);
  const board = boardHandlers(ctx);
  const communityFind = findHandlers(ctx);
  const events = eventHandlers(ctx);
  const communityCreateLimit = ctx.rateLimits.communityCreations;
  const communityJoinLimit = ctx.rateLimits.communityJoins;
  const topicLimit = ctx.rateLimits.communityTopics;
  const boardCommentLimit = ctx.rateLimits.comments;
  const postPhotos = acceptFiles('photos', MAX_POST_PHOTOS);
  r.get('/communities', requireMember, communities.mine);
  r.get('/communities/search', requireMember, communities.search);
  r.get('/communities/new', requireMember, communities.showNew);
  upload('/communities', acceptFiles('photo', 1), requireMember, communityCreateLimit, communities.create);
  r.get('/communities/:id', requireMember, communities.show);
  r.get('/communities/:id/members', requireMember, communities.members);
  r.get('/communities/:id/join', requireMember, communities.showJoin);
  r.post('/communities/:id/join', requireMember, communityJoinLimit, communities.join);
  r.post('/communities/:id/join/cancel', requireMember, communities.cancelRequest);
  r.get('/communities/:id/leave', requireMember, communities.showLeave);
  r.post('/communities/:id/leave', requireMember, communities.leave);
  r.post('/communities/:id/offers/:targetId/accept', requireMember, communityAdmin.answerOffer);
  r.post('/communities/:id/offers/:targetId/decline', requireMember, communityAdmin.answerOffer);
  r.get('/communities/:id/manage', requireMember, communityAdmin.settings);
  upload('/communities/:id/manage', acceptFiles('photo', 1), requireMember, communityAdmin.update);
  r.get('/communities/:id/manage/requests', requireMember, communityAdmin.requests);
  r.get('/communities/:id/manage/members', requireMember, communityAdmin.members);
  r.get('/communities/:id/manage/bans', requireMember, communityAdmin.bans);
  r.post('/communities/:id/requests/:targetId/approve', requireMember, communityAdmin.answerRequest);
  r.post('/communities/:id/requests/:targetId/reject', requireMember, communityAdmin.answerRequest);
  r.post('/communities/:id/members/:targetId/remove', requireMember, communityAdmin.remove);
  r.post('/communities/:id/sub-managers/:targetId/dismiss', requireMember, communityAdmin.dismiss);
  r.post('/communities/:id/step-down', requireMember, communityAdmin.stepDown);
  r.post('/communities/:id/bans', requireMember, communityAdmin.ban);
  r.post('/communities/:id/bans/:targetId/delete', requireMember, communityAdmin.unban);
  r.post('/communities/:id/offers', requireMember, communityAdmin.offer);
  r.post('/communities/:id/offers/:targetId/cancel', requireMember, communityAdmin.cancelOffer);
  r.get('/communities/:id/topics', requireMember, board.topics);
  r.get('/communities/:id/find', requireMember, communityFind.find);
  r.get('/communities/:id/topics/new', requireMember, board.showNewTopic);
  upload('/communities/:id/topics', postPhotos, requireMember, topicLimit, board.createTopic);
  r.get('/communities/:id/events', requireMember, events.events);
  r.get('/communities/:id/events/new', requireMember, board.showNewEvent);
  upload('/communities/:id/events', postPhotos, requireMember, topicLimit, board.createEvent);
  r.get('/communities/:id/topics/:topicId', requireMember, board.topic);
  upload('/communities/:id/topics/:topicId/comments', postPhotos, requireMember, boardCommentLimit, board.addComment);
  r.post('/communities/:id/topics/:topicId/comments/:number/delete', requireMember, board.deleteComment);
  r.get('/communities/:id/topics/:topicId/delete', requireMember, board.showDeleteTopic);
  r.post('/communities/:id/topics/:topicId/delete', requireMember, board.deleteTopic);
  r.post('/communities/:id/topics/:topicId/participants', requireMember, events.join);
  r.post('/communities/:id/topics/:topicId/participants/cancel', requireMember, events.cancel);
  r.post('/communities/:id/topics/:topicId/close', requireMember, events.close);

  // ─── Messages ───
  const messages = messageHandlers(ctx);
  const messageLimit = ctx.rateLimits.messages;
  r.get('/messages', requireMember, messages.inbox);
  r.get('/messages/sent', requireMember, messages.sent);
  r.get('/messages/trash', requireMember, messages.trashFolder);
  r.get('/messages/new', requireMember, messages.showNew);
  r.post('/messages', requireMember, messageLimit, messages.send);
  r.get('/messages/:id', requireMember, messages.show);
  r.post('/messages/:id/trash', requireMember, messages.moveToTrash);
  r.post('/messages/:id/restore', requireMember, messages.restore);
  r.post('/messages/:id/delete', requireMember, messages.remove);

  // ─── Reports (通報) to the operators ───
  const reports = reportHandlers(ctx);
  r.get('/reports/new', requireMember, reports.show);
  r.post('/reports', requireMember, ctx.rateLimits.reports, reports.create);
  // A community's managers: reports about posts on their board, and deleting those posts.
  const managerReports = managerReportHandlers(ctx);
  r.get('/communities/:id/manage/reports', requireMember, managerReports.list);
  r.post('/communities/:id/manage/reports/:type/:targetId/delete', requireMember, managerReports.remove);

  if (!ctx.config.isProduction) r.get('/dev/sms', site.devSms);
  return r;
}
