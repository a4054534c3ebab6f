import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { MOBILE_BUDGET } from '../../http/mobile-budget.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { fieldErrors } from '../../lib/forms.js';
import { refusalStatus } from '../photos/service.js';
import { photoUrl } from '../photos/variants.js';
import { albumIdOf, photoParamsOf, uploadError } from './handlers.js';
import { MAX_ALBUM_PHOTOS, albumPhoto, commentsOfAlbum, ownAlbum, photosOfAlbum, visibleAlbum } from './queries.js';
import { AlbumCommentForm, CaptionForm, PageQuery } from './schemas.js';
import * as albums from './service.js';

// The album pages of the mobile site: the same queries and rules as the PC pages; an album shows 10
// small thumbnails a page, a photo opens on its own page, and a phone adds one photo per post.
// Editing is split for a small screen: the album's form (title, description, visibility) is the PC
// handler with a mobile view; a photo's own page carries its caption form, 「表紙にする」 and a link to
// delete it; each deletion has a confirmation page. The acts are the PC services (and, where the
// PC handler's redirect suits a phone, the PC handler).

export function mobileAlbumHandlers(ctx: AppContext) {
  const { db } = ctx;
  const size = MOBILE_BUDGET.list;

  async function albumPage(
    req: Request,
    res: Response,
    status = 200,
    comment: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const viewer = req.member!;
    const album = await visibleAlbum(db, albumIdOf(req), viewer.id);
    if (!album) throw notFound();
    const pages = Math.max(1, Math.ceil(album.photo_count / size));
    const page = Math.min(PageQuery.parse(req.query).page, pages);
    const [photos, comments] = await Promise.all([
      album.hidden_at ? [] : photosOfAlbum(db, album.id, { limit: size, offset: (page - 1) * size }),
      commentsOfAlbum(db, album.id, viewer.id),
    ]);
    render(res.status(status), 'mobile/albums/show', {
      title: album.title,
      pcPath: `/albums/${album.id}`,
      album,
      isOwner: album.owner_id === viewer.id,
      canReport: album.owner_id !== viewer.id,
      canAdd: album.owner_id === viewer.id && !album.hidden_at && album.photo_count < MAX_ALBUM_PHOTOS,
      photos: photos.map((p) => ({ ...p, url: photoUrl(p.photo_id, 'sq76') })),
      // Within the page budget (10 KB): the description and each of the 5 latest comments cut to
      // 300 characters (fmt.cut in the view); the PC page has them whole.
      comments: comments.slice(-5).map((c) => ({
        ...c,
        canReport: !c.hidden && !c.hidden_at && c.author_id !== viewer.id,
        canDelete: c.author_id === viewer.id || album.owner_id === viewer.id,
      })),
      moreComments: comments.length > 5,
      prev: page > 1 ? `?page=${page - 1}` : null,
      next: page < pages ? `?page=${page + 1}` : null,
      commentValues: comment.values,
      commentErrors: comment.errors,
    });
  }

  /** One photo of an album, 240 px wide, with its caption; the owner's page also edits it (`caption`: a 422's input). */
  async function photoPage(
    req: Request,
    res: Response,
    status = 200,
    caption?: { values: Record<string, unknown>; errors: FieldErrors },
  ) {
    const { id, photoId } = photoParamsOf(req);
    const album = await visibleAlbum(db, id, req.member!.id);
    const photo = album && !album.hidden_at && (await albumPhoto(db, album.id, photoId));
    if (!album || !photo) throw notFound();
    render(res.status(status), 'mobile/albums/photo', {
      title: album.title,
      pcPath: `/albums/${album.id}`,
      album,
      photo,
      url: photoUrl(photo.photo_id, 'm240'),
      isOwner: album.owner_id === req.member!.id,
      isCover: album.cover_photo_id === photo.photo_id,
      values: caption?.values ?? { caption: photo.caption },
      errors: caption?.errors ?? {},
    });
  }

  /** The owner's album and (with a photo id in the URL) one of its photos, for a confirmation page; else 404. */
  async function ownPhoto(req: Request) {
    const { id, photoId } = photoParamsOf(req);
    const album = await ownAlbum(db, id, req.member!.id);
    const photo = album && (await albumPhoto(db, album.id, photoId));
    if (!album || !photo) throw notFound();
    return { album, photo };
  }

  async function addPage(
    req: Request,
    res: Response,
    status = 200,
    form: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const album = await ownAlbum(db, albumIdOf(req), req.member!.id);
    if (!album || album.hidden_at) throw notFound();
    render(res.status(status), 'mobile/albums/add', {
      title: req.t('albums.add.heading'),
      pcPath: `/albums/${album.id}`,
      album,
      canAdd: album.photo_count < MAX_ALBUM_PHOTOS,
      values: form.values,
      errors: form.errors,
    });
  }

  return {
    show: (req: Request, res: Response) => albumPage(req, res),

    photo: (req: Request, res: Response) => photoPage(req, res),

    /** The owner saves a photo's caption from its page; too long a caption is that page again (422, kept). */
    async updateCaption(req: Request, res: Response) {
      const { id, photoId } = photoParamsOf(req);
      if (!(await ownAlbum(db, id, req.member!.id))) throw notFound();
      const form = CaptionForm.safeParse(req.body);
      if (!form.success) return photoPage(req, res, 422, { values: req.body, errors: fieldErrors(form.error) });
      if (!(await albums.updateCaption(db, req.member!.id, id, photoId, form.data.caption))) throw notFound();
      req.session.flash = req.t('albums.captionSaved');
      res.redirect(303, `/m/albums/${id}/photos/${photoId}`);
    },

    /** The owner makes a photo the album's cover, from the photo's page. */
    async setCover(req: Request, res: Response) {
      const { id, photoId } = photoParamsOf(req);
      if (!(await albums.setCover(db, req.member!.id, id, photoId))) throw notFound();
      req.session.flash = req.t('albums.coverSet');
      res.redirect(303, `/m/albums/${id}/photos/${photoId}`);
    },

    /** 「この写真を削除」: the photo small, and the button (POST: the PC handler). */
    async showDeletePhoto(req: Request, res: Response) {
      const { album, photo } = await ownPhoto(req);
      render(res, 'mobile/albums/delete-photo', {
        title: req.t('albums.photoDelete'),
        pcPath: `/albums/${album.id}`,
        album,
        photo,
        url: photoUrl(photo.photo_id, 'sq76'),
      });
    },

    /** 「アルバムを削除」: what goes with it, and the button (POST: the PC handler). */
    async showDelete(req: Request, res: Response) {
      const album = await ownAlbum(db, albumIdOf(req), req.member!.id);
      if (!album) throw notFound();
      render(res, 'mobile/albums/delete', {
        title: req.t('albums.delete.heading'),
        pcPath: `/albums/${album.id}/edit`,
        album,
      });
    },

    showAdd: (req: Request, res: Response) => addPage(req, res),

    async addPhoto(req: Request, res: Response) {
      const caption = CaptionForm.safeParse(req.body);
      const errors = fileErrors(req, caption.success ? {} : fieldErrors(caption.error), (r) => uploadError(r, 1));
      if (Object.keys(errors).length) return addPage(req, res, 422, { values: req.body, errors });
      const files = uploadedFiles(req)
        .map((f) => f.buffer)
        .filter((b) => b && b.length > 0);
      if (!files.length)
        return addPage(req, res, 422, { values: req.body, errors: { photos: 'photos.error.required' } });
      const result = await albums.addAlbumPhotos(ctx, {
        ownerId: req.member!.id,
        albumId: albumIdOf(req),
        files,
        caption: caption.data!.caption,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return addPage(req, res, refusalStatus(result), {
          values: req.body,
          errors: { photos: uploadError(result.reason === 'photo' ? result.photoReason : result.reason, 1) },
        });
      }
      req.session.flash = req.t('albums.photosAdded', { count: result.added });
      res.redirect(303, `/m/albums/${albumIdOf(req)}`);
    },

    async addComment(req: Request, res: Response) {
      const id = albumIdOf(req);
      const form = AlbumCommentForm.safeParse(req.body);
      if (!form.success) return albumPage(req, res, 422, { values: req.body, errors: fieldErrors(form.error) });
      if (!(await albums.addAlbumComment(db, req.member!.id, id, form.data.body, ctx.clock.now()))) throw notFound();
      res.redirect(303, `/m/albums/${id}`);
    },
  };
}
