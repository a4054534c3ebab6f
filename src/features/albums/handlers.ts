import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { formatTextHtml } from '../../lib/text.js';
import { fieldErrors, DIARY_VISIBILITIES } from '../../lib/forms.js';
import { listAuthor } from '../diaries/feed.js';
import { groupOf, groupsOf } from '../friends/groups-queries.js';
import { refusalStatus } from '../photos/service.js';
import { photoUrl } from '../photos/variants.js';
import {
  ALBUM_PAGE_SIZE,
  MAX_ALBUM_PHOTOS,
  albumsByOwner,
  commentsOfAlbum,
  ownAlbum,
  photosOfAlbum,
  visibleAlbum,
  type AlbumRow,
} from './queries.js';
import {
  AlbumCommentForm,
  AlbumCommentParams,
  AlbumForm,
  AlbumPhotoParams,
  CaptionForm,
  PageQuery,
} from './schemas.js';
import * as albums from './service.js';
import { idParam } from '../../http/params.js';

// The PC album pages (CONTEXT.md). An album the viewer may not see, and someone else's album on an
// owner's page (edit, photos, delete), is a 404 like an album that does not exist.

export function albumIdOf(req: Request): number {
  return idParam(req);
}

export function photoParamsOf(req: Request) {
  const p = AlbumPhotoParams.safeParse(req.params);
  if (!p.success) throw notFound();
  return p.data;
}

/** Why the album's photos were refused, as the upload form says it. */
export function uploadError(reason: string, max = albums.MAX_PHOTOS_PER_POST): string {
  if (reason === 'tooMany') return max === 1 ? 'photos.error.tooMany' : 'albums.error.tooMany';
  if (reason === 'full') return 'albums.error.full';
  return `photos.error.${reason}`;
}

export function albumCard(a: AlbumRow) {
  return { ...a, coverUrl: a.cover_photo_id ? photoUrl(a.cover_photo_id, 'sq180') : null };
}

export function albumHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function formPage(
    req: Request,
    res: Response,
    status: number,
    opts: { values: Record<string, unknown>; errors?: FieldErrors; album?: AlbumRow },
  ) {
    render(res.status(status), 'pc/albums/form', {
      title: req.t(opts.album ? 'albums.edit.title' : 'albums.new.title'),
      values: opts.values,
      errors: opts.errors ?? {},
      visibilities: DIARY_VISIBILITIES,
      album: opts.album ?? null,
      // The owner's friend groups, offered as 「グループ: 名前」 (value 'group:<id>'), as on the diary form.
      audienceGroups: await groupsOf(db, req.member!.id),
    });
  }

  /** The album form, validated; a 'group:<id>' visibility must name one of the owner's own groups. */
  async function parseForm(req: Request) {
    const form = AlbumForm.safeParse(req.body);
    const errors = form.success ? {} : fieldErrors(form.error);
    const v = form.success ? form.data.visibility : undefined;
    if (v?.startsWith('group:') && !(await groupOf(db, req.member!.id, Number(v.slice(6)))))
      errors.visibility = 'validation.visibility.invalid';
    return Object.keys(errors).length || !form.success
      ? { ok: false as const, errors }
      : { ok: true as const, data: form.data };
  }

  async function listPage(req: Request, res: Response, owner: { id: number; nickname: string }) {
    const viewer = req.member!;
    const { page } = PageQuery.parse(req.query);
    const { rows, total } = await albumsByOwner(db, owner.id, viewer.id, {
      limit: ALBUM_PAGE_SIZE,
      offset: (page - 1) * ALBUM_PAGE_SIZE,
    });
    render(res, 'pc/albums/list', {
      title: req.t('albums.list.title', { nickname: owner.nickname }),
      owner,
      isSelf: owner.id === viewer.id,
      albums: rows.map(albumCard),
      prev: page > 1 ? `?page=${page - 1}` : null,
      next: page * ALBUM_PAGE_SIZE < total ? `?page=${page + 1}` : null,
    });
  }

  /** The album page; `upload` / `comment` re-render their form with the member's input and errors. */
  async function albumPage(
    req: Request,
    res: Response,
    status = 200,
    forms: {
      upload?: { values: Record<string, unknown>; errors: FieldErrors };
      comment?: { values: Record<string, unknown>; errors: FieldErrors };
    } = {},
  ) {
    const viewer = req.member!;
    const album = await visibleAlbum(db, albumIdOf(req), viewer.id);
    if (!album) throw notFound();
    const { page } = PageQuery.parse(req.query);
    const pages = Math.max(1, Math.ceil(album.photo_count / ALBUM_PAGE_SIZE));
    const [photos, comments] = await Promise.all([
      album.hidden_at
        ? []
        : photosOfAlbum(db, album.id, {
            limit: ALBUM_PAGE_SIZE,
            offset: (Math.min(page, pages) - 1) * ALBUM_PAGE_SIZE,
          }),
      commentsOfAlbum(db, album.id, viewer.id),
    ]);
    const isOwner = album.owner_id === viewer.id;
    render(res.status(status), 'pc/albums/show', {
      title: album.title,
      album,
      isOwner,
      descriptionHtml: formatTextHtml(album.description),
      canReport: !isOwner,
      photos: photos.map((p) => ({
        ...p,
        url: photoUrl(p.photo_id, 'sq180'),
        large: photoUrl(p.photo_id, 'w600'),
        isCover: p.photo_id === album.cover_photo_id,
      })),
      prev: page > 1 ? `?page=${Math.min(page, pages) - 1}` : null,
      next: page < pages ? `?page=${page + 1}` : null,
      canAdd: isOwner && !album.hidden_at && album.photo_count < MAX_ALBUM_PHOTOS,
      max: MAX_ALBUM_PHOTOS,
      perPost: albums.MAX_PHOTOS_PER_POST,
      comments: comments.map((c) => ({
        ...c,
        bodyHtml: c.hidden || c.hidden_at ? '' : formatTextHtml(c.body),
        canDelete: c.author_id === viewer.id || isOwner,
        canReport: !c.hidden && !c.hidden_at && c.author_id !== viewer.id,
      })),
      uploadValues: forms.upload?.values ?? {},
      uploadErrors: forms.upload?.errors ?? {},
      commentValues: forms.comment?.values ?? {},
      commentErrors: forms.comment?.errors ?? {},
    });
  }

  async function ownAlbumOf(req: Request): Promise<AlbumRow> {
    const album = await ownAlbum(db, albumIdOf(req), req.member!.id);
    if (!album) throw notFound();
    return album;
  }

  return {
    mine: (req: Request, res: Response) => listPage(req, res, req.member!),

    async byMember(req: Request, res: Response) {
      const owner = await listAuthor(db, req.member!.id, req.params.id);
      if (!owner) throw notFound();
      return listPage(req, res, owner);
    },

    showNew: (req: Request, res: Response) => formPage(req, res, 200, { values: { visibility: 'friends' } }),

    async create(req: Request, res: Response) {
      const form = await parseForm(req);
      if (!form.ok) return formPage(req, res, 422, { values: req.body, errors: form.errors });
      const id = await albums.createAlbum(db, req.member!.id, form.data, ctx.clock.now());
      req.session.flash = req.t('albums.created');
      res.redirect(303, `/albums/${id}`);
    },

    show: (req: Request, res: Response) => albumPage(req, res),

    async showEdit(req: Request, res: Response) {
      const album = await ownAlbumOf(req);
      return formPage(req, res, 200, {
        values: {
          ...album,
          visibility: album.visibility === 'group' ? `group:${album.audience_group_id}` : album.visibility,
        },
        album,
      });
    },

    async update(req: Request, res: Response) {
      const album = await ownAlbumOf(req);
      const form = await parseForm(req);
      if (!form.ok) return formPage(req, res, 422, { values: req.body, errors: form.errors, album });
      if (!(await albums.updateAlbum(db, req.member!.id, album.id, form.data, ctx.clock.now()))) throw notFound();
      req.session.flash = req.t('albums.updated');
      res.redirect(303, `/albums/${album.id}`);
    },

    async remove(req: Request, res: Response) {
      if (!(await albums.deleteAlbum(ctx, req.member!.id, albumIdOf(req)))) throw notFound();
      req.session.flash = req.t('albums.deleted');
      res.redirect(303, '/albums');
    },

    async addPhotos(req: Request, res: Response) {
      await ownAlbumOf(req);
      const caption = CaptionForm.safeParse(req.body);
      const errors = fileErrors(req, caption.success ? {} : fieldErrors(caption.error), (r) => uploadError(r));
      if (Object.keys(errors).length) return albumPage(req, res, 422, { upload: { values: req.body, errors } });
      const files = uploadedFiles(req)
        .map((f) => f.buffer)
        .filter((b) => b && b.length > 0);
      if (!files.length)
        return albumPage(req, res, 422, { upload: { values: req.body, errors: { photos: 'photos.error.required' } } });
      const result = await albums.addAlbumPhotos(ctx, {
        ownerId: req.member!.id,
        albumId: albumIdOf(req),
        files,
        caption: caption.data!.caption,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        const reason = result.reason === 'photo' ? result.photoReason : result.reason;
        return albumPage(req, res, refusalStatus(result), {
          upload: { values: req.body, errors: { photos: uploadError(reason) } },
        });
      }
      req.session.flash = req.t('albums.photosAdded', { count: result.added });
      res.redirect(303, `/albums/${albumIdOf(req)}`);
    },

    async updateCaption(req: Request, res: Response) {
      const { id, photoId } = photoParamsOf(req);
      const form = CaptionForm.safeParse(req.body);
      if (!form.success) {
        await ownAlbumOf(req);
        return albumPage(req, res, 422, {
          upload: { values: {}, errors: { [`caption_${photoId}`]: fieldErrors(form.error).caption } },
        });
      }
      if (!(await albums.updateCaption(db, req.member!.id, id, photoId, form.data.caption))) throw notFound();
      req.session.flash = req.t('albums.captionSaved');
      res.redirect(303, `/albums/${id}`);
    },

    async setCover(req: Request, res: Response) {
      const { id, photoId } = photoParamsOf(req);
      if (!(await albums.setCover(db, req.member!.id, id, photoId))) throw notFound();
      req.session.flash = req.t('albums.coverSet');
      res.redirect(303, `/albums/${id}`);
    },

    async deletePhoto(req: Request, res: Response) {
      const { id, photoId } = photoParamsOf(req);
      if (!(await albums.deleteAlbumPhoto(ctx, req.member!.id, id, photoId))) throw notFound();
      req.session.flash = req.t('albums.photoDeleted');
      res.redirect(303, `/albums/${id}`);
    },

    async addComment(req: Request, res: Response) {
      const id = albumIdOf(req);
      const form = AlbumCommentForm.safeParse(req.body);
      if (!form.success)
        return albumPage(req, res, 422, { comment: { values: req.body, errors: fieldErrors(form.error) } });
      if (!(await albums.addAlbumComment(db, req.member!.id, id, form.data.body, ctx.clock.now()))) throw notFound();
      res.redirect(303, `/albums/${id}#comments`);
    },

    async deleteComment(req: Request, res: Response) {
      const p = AlbumCommentParams.safeParse(req.params);
      if (!p.success) throw notFound();
      if (!(await albums.deleteAlbumComment(db, req.member!.id, p.data.id, p.data.commentId))) throw notFound();
      res.redirect(303, `/albums/${p.data.id}#comments`);
    },
  };
}
