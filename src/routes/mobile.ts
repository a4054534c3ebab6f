import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import { requireGuest, requireMember } from '../http/auth.js';
import { pageTable, type SitePages } from '../http/mobile.js';
import { acceptFiles, uploadRoute } from '../http/uploads.js';
import { registrationHandlers } from '../features/accounts/registration-handlers.js';
import { loginHandlers } from '../features/accounts/login-handlers.js';
import { settingsHandlers } from '../features/accounts/settings-handlers.js';
import { siteHandlers } from '../features/site/handlers.js';
import { mobileSiteHandlers } from '../features/site/mobile-handlers.js';
import { mobileHomeHandlers } from '../features/home/mobile-handlers.js';
import { friendHandlers } from '../features/friends/handlers.js';
import { mobileFriendHandlers } from '../features/friends/mobile-handlers.js';
import { friendGroupHandlers } from '../features/friends/groups-handlers.js';
import { blockHandlers } from '../features/blocks/handlers.js';
import { invitationHandlers } from '../features/invitations/handlers.js';
import { mobileBlockHandlers } from '../features/blocks/mobile-handlers.js';
import { mobileProfileHandlers } from '../features/profiles/mobile-handlers.js';
import { profilePhotoHandlers } from '../features/photos/profile-handlers.js';
import { mobilePhotoHandlers } from '../features/photos/mobile-handlers.js';
import { mobileFootprintHandlers } from '../features/footprints/mobile-handlers.js';
import { diaryHandlers, exceptPreview } from '../features/diaries/handlers.js';
import { mobileDiaryHandlers } from '../features/diaries/mobile-handlers.js';
import { albumHandlers } from '../features/albums/handlers.js';
import { mobileAlbumHandlers } from '../features/albums/mobile-handlers.js';
import { messageHandlers } from '../features/messages/handlers.js';
import { mobileMessageHandlers } from '../features/messages/mobile-handlers.js';
import { communityHandlers } from '../features/communities/handlers.js';
import { managementHandlers } from '../features/communities/management/management-handlers.js';
import { boardHandlers } from '../features/communities/board/board-handlers.js';
import { findHandlers } from '../features/communities/board/find-handlers.js';
import { eventHandlers } from '../features/communities/events/event-handlers.js';
import { mobileCommunityHandlers } from '../features/communities/mobile-handlers.js';
import { mobileCommunityCreateHandlers } from '../features/communities/mobile-create-handlers.js';
import { reportHandlers } from '../features/moderation/reports/report-handlers.js';
import { mobileManageHandlers } from '../features/communities/management/mobile-manage-handlers.js';
import { mobileCommunitySettingsHandlers } from '../features/communities/management/mobile-settings-handlers.js';
import { managerReportHandlers } from '../features/moderation/reports/manager-handlers.js';
import { feedHandlers } from '../features/feeds/handlers.js';

/**
 * Every URL of the feature-phone site, mounted at /m. Paths mirror the PC ones ('/m' + PC path), so
 * a carrier browser opening a PC URL lands on its twin. Where a page shows the same data, the PC
 * handler is reused and renders its views/mobile/ twin (render() resolves its view on the surface
 * 'mobile', set where this table is mounted in app.ts, and its redirects lead to /m/ pages:
 * src/http/surface.ts, redirect.ts); where the data differs (page sizes, long texts in
 * parts), a mobile handler sits beside the PC one in its feature folder.
 */
export function mobileRoutes(ctx: AppContext, pcPages: readonly string[]) {
  const r = Router();
  const pages: string[] = [];
  // A POST that takes files: its multipart body is parsed there and nowhere else (http/uploads.ts).
  const upload = uploadRoute(r);
  /** A GET page: registered, and remembered so that PC URLs can find their mobile twin. */
  const page = (path: string, ...handlers: RequestHandler[]) => {
    pages.push(path);
    r.get(path, ...handlers);
  };
  // Both sites' pages, for every way from a PC URL to this site (mobileUrlFor); the mobile table is
  // complete once every page below is registered.
  const sitePages: SitePages = { pc: pageTable(pcPages), mobile: () => undefined };

  const mobileSite = mobileSiteHandlers(ctx);
  const site = siteHandlers(ctx);
  const reg = registrationHandlers(ctx);
  const login = loginHandlers(ctx);
  const settings = settingsHandlers(ctx);
  const home = mobileHomeHandlers(ctx);
  const loginLimit = ctx.rateLimits.login;
  const smsLimit = ctx.rateLimits.sms;

  // Leaving for the PC site (its redirect names the PC surface: src/http/redirect.ts).
  r.get('/pc', mobileSite.switchToPc);
  r.use(mobileSite.forgetPcChoice);

  // ─── Open to visitors ───
  page('/', site.landing);
  page('/terms', site.terms);

  page('/register', requireGuest, reg.showPhone);
  r.post('/register', requireGuest, smsLimit, reg.submitPhone);
  page('/register/code', requireGuest, reg.showCode);
  r.post('/register/code', requireGuest, reg.submitCode);
  r.post('/register/resend', requireGuest, smsLimit, reg.resendCode);
  page('/register/profile', requireGuest, reg.showProfile);
  r.post('/register/profile', requireGuest, reg.submitProfile);

  page('/login', requireGuest, login.showLogin);
  r.post('/login', loginLimit, requireGuest, login.submitLogin);
  r.post('/logout', login.logout);

  page('/password-reset', requireGuest, login.showResetPhone);
  r.post('/password-reset', requireGuest, smsLimit, login.submitResetPhone);
  page('/password-reset/code', requireGuest, login.showResetCode);
  r.post('/password-reset/code', requireGuest, login.submitResetCode);

  // ─── Members only ───
  page('/home', requireMember, home.show);
  page('/settings', requireMember, settings.show);
  r.post('/settings', requireMember, settings.update);
  page('/settings/password', requireMember, settings.showPassword);
  r.post('/settings/password', requireMember, settings.changePassword);
  page('/settings/phone', requireMember, settings.showPhone);
  r.post('/settings/phone', requireMember, smsLimit, settings.startPhoneChange);
  page('/settings/phone/code', requireMember, settings.showPhoneCode);
  r.post('/settings/phone/code', requireMember, settings.completePhoneChange);
  r.post('/settings/sessions/logout-others', requireMember, settings.logOutOthers);
  page('/settings/withdraw', requireMember, settings.showWithdraw);
  r.post('/settings/withdraw', requireMember, settings.withdraw);

  // ─── External blogs (feeds): the PC handlers, a mobile view ───
  const feeds = feedHandlers(ctx);
  page('/settings/feeds', requireMember, feeds.show);
  r.post('/settings/feeds', requireMember, feeds.add);
  r.post('/settings/feeds/visibility', requireMember, feeds.saveVisibility);
  r.post('/settings/feeds/:id/delete', requireMember, feeds.remove);

  // ─── Friends and blocks ───
  const friends = friendHandlers(ctx);
  const mFriends = mobileFriendHandlers(ctx);
  const blocks = blockHandlers(ctx);
  const mBlocks = mobileBlockHandlers(ctx);
  const friendRequestLimit = ctx.rateLimits.friendRequests;
  page('/friends', requireMember, mFriends.list);
  page('/friends/requests', requireMember, mFriends.requests);
  r.post('/friends/requests/:requestId/accept', requireMember, friends.accept);
  r.post('/friends/requests/:requestId/decline', requireMember, friends.decline);
  r.post('/friends/requests/:requestId/cancel', requireMember, friends.cancel);
  const friendGroups = friendGroupHandlers(ctx);
  page('/friends/groups', requireMember, friendGroups.list);
  r.post('/friends/groups', requireMember, friendGroups.create);
  page('/friends/groups/:groupId', requireMember, friendGroups.showMobile);
  r.post('/friends/groups/:groupId/rename', requireMember, friendGroups.rename);
  r.post('/friends/groups/:groupId/delete', requireMember, friendGroups.remove);
  r.post('/friends/groups/:groupId/members', requireMember, friendGroups.addMember);
  r.post('/friends/groups/:groupId/members/:memberId/remove', requireMember, friendGroups.removeMember);
  page('/members/:id/friends', requireMember, mFriends.list);
  page('/members/:id/friend-request', requireMember, friends.showRequestForm);
  r.post('/members/:id/friend-request', requireMember, friendRequestLimit, friends.sendRequest);
  page('/members/:id/unfriend', requireMember, friends.showUnfriend);
  r.post('/members/:id/unfriend', requireMember, friends.unfriend);
  r.post('/members/:id/hide-updates', requireMember, friends.hideUpdates);
  page('/members/:id/introduction', requireMember, friends.showIntroduction);
  r.post('/members/:id/introduction', requireMember, friends.saveIntroduction);
  r.post('/members/:id/introductions/:authorId/delete', requireMember, friends.deleteIntroduction);
  page('/blocks', requireMember, mBlocks.list);
  page('/members/:id/block', requireMember, mBlocks.confirm);
  r.post('/members/:id/block', requireMember, blocks.block);
  r.post('/members/:id/unblock', requireMember, blocks.unblock);

  // ─── Invitations ───
  const invitations = invitationHandlers(ctx, { mobile: true });
  page('/invitations', requireMember, invitations.list);
  r.post('/invitations', requireMember, invitations.create);
  r.post('/invitations/:id/revoke', requireMember, invitations.revoke);

  // ─── Profiles, member search, photos ───
  const mProfiles = mobileProfileHandlers(ctx);
  const profilePhotos = profilePhotoHandlers(ctx);
  const mPhotos = mobilePhotoHandlers(ctx);
  page('/members/:id', requireMember, mProfiles.show);
  page('/members/:id/introductions', requireMember, mProfiles.introductions);
  page('/profile/edit', requireMember, mProfiles.showEdit);
  r.post('/profile/edit', requireMember, mProfiles.saveEdit);
  page('/profile/edit/introduction', requireMember, mProfiles.showEditIntroduction);
  r.post('/profile/edit/introduction', requireMember, mProfiles.saveEditIntroduction);
  page('/search/members', requireMember, mProfiles.search);
  page('/photos/:id', requireMember, mPhotos.show);
  page('/profile/photos', requireMember, profilePhotos.show);
  upload('/profile/photos', acceptFiles('photo', 1), requireMember, profilePhotos.upload);
  r.post('/profile/photos/:id/main', requireMember, profilePhotos.makeMain);
  r.post('/profile/photos/:id/delete', requireMember, profilePhotos.remove);

  // ─── Footprints ───
  const footprints = mobileFootprintHandlers(ctx);
  page('/footprints', requireMember, footprints.visitors);
  page('/footprints/left', requireMember, footprints.left);
  r.post('/footprints/milestone', requireMember, footprints.saveMilestone);
  r.post('/footprints/milestones/:number/dismiss', requireMember, footprints.dismissMilestone);

  // ─── Diaries: one photo per post on a phone ───
  const diaries = diaryHandlers(ctx);
  const mDiaries = mobileDiaryHandlers(ctx);
  const diaryLimit = ctx.rateLimits.diaries;
  const commentLimit = ctx.rateLimits.comments;
  page('/diaries/new', requireMember, diaries.showNew);
  upload('/diaries', acceptFiles('photos', 1), requireMember, exceptPreview(diaryLimit), diaries.create);
  page('/diaries/friends', requireMember, mDiaries.friends);
  page('/diaries/drafts', requireMember, mDiaries.drafts);
  r.post('/diaries/:id/publish', requireMember, diaries.publish);
  page('/diaries/comments', requireMember, mDiaries.newComments);
  page('/diaries/:id', requireMember, mDiaries.show);
  // Editing (one new photo at a time; kept photos may be removed) and deleting: the PC handlers, mobile views.
  page('/diaries/:id/edit', requireMember, diaries.showEdit);
  upload('/diaries/:id/edit', acceptFiles('photos', 1), requireMember, diaries.update);
  page('/diaries/:id/delete', requireMember, diaries.showDelete);
  r.post('/diaries/:id/delete', requireMember, diaries.remove);
  page('/diaries/:id/comments', requireMember, mDiaries.comments);
  r.post('/diaries/:id/comments', requireMember, commentLimit, mDiaries.addComment);
  r.post('/diaries/:id/comments/:number/delete', requireMember, diaries.deleteComment);
  page('/members/:id/diaries', requireMember, mDiaries.byAuthor);

  // ─── Photo albums: browse, make and edit, one photo per post; each deletion confirmed on a page ───
  const albums = albumHandlers(ctx);
  const mAlbums = mobileAlbumHandlers(ctx);
  page('/albums', requireMember, albums.mine);
  page('/albums/new', requireMember, albums.showNew);
  r.post('/albums', requireMember, albums.create);
  page('/albums/:id', requireMember, mAlbums.show);
  page('/albums/:id/edit', requireMember, albums.showEdit);
  r.post('/albums/:id/edit', requireMember, albums.update);
  page('/albums/:id/delete', requireMember, mAlbums.showDelete);
  r.post('/albums/:id/delete', requireMember, albums.remove);
  page('/albums/:id/photos/new', requireMember, mAlbums.showAdd);
  upload('/albums/:id/photos', acceptFiles('photos', 1), requireMember, mAlbums.addPhoto);
  page('/albums/:id/photos/:photoId', requireMember, mAlbums.photo);
  r.post('/albums/:id/photos/:photoId/caption', requireMember, mAlbums.updateCaption);
  r.post('/albums/:id/photos/:photoId/cover', requireMember, mAlbums.setCover);
  page('/albums/:id/photos/:photoId/delete', requireMember, mAlbums.showDeletePhoto);
  r.post('/albums/:id/photos/:photoId/delete', requireMember, albums.deletePhoto);
  r.post('/albums/:id/comments', requireMember, commentLimit, mAlbums.addComment);
  r.post('/albums/:id/comments/:commentId/delete', requireMember, albums.deleteComment);
  page('/members/:id/albums', requireMember, albums.byMember);

  // ─── Communities: reading, comments (one photo), events, joining, join requests ───
  const communities = communityHandlers(ctx);
  const communityAdmin = managementHandlers(ctx, { mobile: true });
  const board = boardHandlers(ctx);
  const communityFind = findHandlers(ctx);
  const events = eventHandlers(ctx);
  const mCommunities = mobileCommunityHandlers(ctx);
  const communityJoinLimit = ctx.rateLimits.communityJoins;
  const boardCommentLimit = ctx.rateLimits.comments;
  page('/communities', requireMember, mCommunities.mine);
  page('/communities/search', requireMember, mCommunities.search);
  // Making things from a phone, one photo each (the PC handlers, mobile forms), and the member list
  // 10 a page: before '/communities/:id' and '/communities/:id/topics/:topicId', which would take `new`.
  const mCreate = mobileCommunityCreateHandlers(ctx);
  const communityCreateLimit = ctx.rateLimits.communityCreations;
  const topicLimit = ctx.rateLimits.communityTopics;
  page('/communities/new', requireMember, communities.showNew);
  upload('/communities', acceptFiles('photo', 1), requireMember, communityCreateLimit, communities.create);
  page('/communities/:id/members', requireMember, mCreate.members);
  page('/communities/:id/topics/new', requireMember, board.showNewTopic);
  upload('/communities/:id/topics', acceptFiles('photos', 1), requireMember, topicLimit, board.createTopic);
  page('/communities/:id/events/new', requireMember, mCreate.newEvent);
  r.post('/communities/:id/events/new', requireMember, mCreate.eventNext);
  upload(
    '/communities/:id/events',
    acceptFiles('photos', 1),
    requireMember,
    mCreate.eventBack,
    topicLimit,
    board.createEvent,
  );
  page('/communities/:id', requireMember, mCommunities.show);
  page('/communities/:id/join', requireMember, communities.showJoin);
  r.post('/communities/:id/join', requireMember, communityJoinLimit, communities.join);
  r.post('/communities/:id/join/cancel', requireMember, communities.cancelRequest);
  page('/communities/:id/leave', requireMember, communities.showLeave);
  r.post('/communities/:id/leave', requireMember, communities.leave);
  r.post('/communities/:id/offers/:targetId/accept', requireMember, communityAdmin.answerOffer);
  r.post('/communities/:id/offers/:targetId/decline', requireMember, communityAdmin.answerOffer);
  page('/communities/:id/manage/requests', requireMember, mCommunities.requests);
  r.post('/communities/:id/requests/:targetId/approve', requireMember, communityAdmin.answerRequest);
  r.post('/communities/:id/requests/:targetId/reject', requireMember, communityAdmin.answerRequest);
  // Managing a community: the PC acts and lists (10 a page); what may be done to one member is a
  // page of its own, one step from the list; the managers' reports as excerpts.
  const mManage = mobileManageHandlers(ctx);
  const managerReports = managerReportHandlers(ctx);
  // The settings (the PC settings form in two pages: the rest, then the description alone).
  const mSettings = mobileCommunitySettingsHandlers(ctx);
  page('/communities/:id/manage', requireMember, mSettings.show);
  upload('/communities/:id/manage', acceptFiles('photo', 1), requireMember, mSettings.update);
  page('/communities/:id/manage/description', requireMember, mSettings.showDescription);
  r.post('/communities/:id/manage/description', requireMember, mSettings.updateDescription);
  page('/communities/:id/manage/members', requireMember, communityAdmin.members);
  page('/communities/:id/manage/members/:targetId', requireMember, mManage.member);
  page('/communities/:id/manage/bans', requireMember, communityAdmin.bans);
  page('/communities/:id/manage/reports', requireMember, mManage.reports);
  r.post('/communities/:id/members/:targetId/remove', requireMember, communityAdmin.remove);
  r.post('/communities/:id/sub-managers/:targetId/dismiss', requireMember, communityAdmin.dismiss);
  r.post('/communities/:id/step-down', requireMember, communityAdmin.stepDown);
  r.post('/communities/:id/bans', requireMember, communityAdmin.ban);
  r.post('/communities/:id/bans/:targetId/delete', requireMember, communityAdmin.unban);
  r.post('/communities/:id/offers', requireMember, communityAdmin.offer);
  r.post('/communities/:id/offers/:targetId/cancel', requireMember, communityAdmin.cancelOffer);
  r.post('/communities/:id/manage/reports/:type/:targetId/delete', requireMember, managerReports.remove);
  page('/communities/:id/topics', requireMember, mCommunities.topics);
  page('/communities/:id/find', requireMember, communityFind.findMobile);
  page('/communities/:id/events', requireMember, mCommunities.events);
  page('/communities/:id/topics/:topicId', requireMember, mCommunities.topic);
  page('/communities/:id/topics/:topicId/comments', requireMember, mCommunities.comments);
  upload(
    '/communities/:id/topics/:topicId/comments',
    acceptFiles('photos', 1),
    requireMember,
    boardCommentLimit,
    mCommunities.addComment,
  );
  r.post('/communities/:id/topics/:topicId/comments/:number/delete', requireMember, board.deleteComment);
  r.post('/communities/:id/topics/:topicId/participants', requireMember, events.join);
  r.post('/communities/:id/topics/:topicId/participants/cancel', requireMember, events.cancel);
  r.post('/communities/:id/topics/:topicId/close', requireMember, events.close);

  // ─── Messages ───
  const messages = messageHandlers(ctx);
  const mMessages = mobileMessageHandlers(ctx);
  const messageLimit = ctx.rateLimits.messages;
  page('/messages', requireMember, mMessages.inbox);
  page('/messages/sent', requireMember, mMessages.sent);
  page('/messages/trash', requireMember, mMessages.trashFolder);
  page('/messages/new', requireMember, messages.showNew);
  r.post('/messages', requireMember, messageLimit, messages.send);
  page('/messages/:id', requireMember, mMessages.show);
  r.post('/messages/:id/trash', requireMember, messages.moveToTrash);
  r.post('/messages/:id/restore', requireMember, messages.restore);
  r.post('/messages/:id/delete', requireMember, messages.remove);

  // ─── Reports (通報) ───
  const reports = reportHandlers(ctx);
  page('/reports/new', requireMember, reports.show);
  r.post('/reports', requireMember, ctx.rateLimits.reports, reports.create);

  sitePages.mobile = pageTable(pages);
  return { router: r, sitePages };
}
