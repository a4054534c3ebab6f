import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { IdParam } from '../../lib/forms.js';
import { formatTextHtml } from '../../lib/text.js';
import { fieldErrors, DIARY_VISIBILITIES } from '../accounts/schemas.js';
import { recordDiaryFootprintOnView } from '../footprints/record.js';
import { photoUrl } from '../photos/variants.js';
import { loadDiaryPage, photosOf, visibleDiary } from './queries.js';
import { CommentForm, DiaryEditForm, DiaryForm } from './schemas.js';
import { commentView } from './comment-view.js';
import * as diaries from './service.js';
import { refusalStatus } from '../photos/service.js';

function diaryId(req: Request): number {
  const id = IdParam.safeParse(req.params.id);
  if (!id.success) throw notFound();
  return id.data;
}

function photoError(reason: string): string {
  return reason === 'tooMany' ? 'validation.diary.photos.tooMany' : `photos.error.${reason}`;
}

export function diaryHandlers(ctx: AppContext) {
  const { db } = ctx;

  function formPage(req: Request, res: Response, status: number, opts: { values: Record<string, unknown>; errors?: FieldErrors; diary?: { id: number }; photos?: { id: number; url: string }[] }) {
    render(res.status(status), 'pc/diaries/form', {
      title: req.t(opts.diary ? 'diaries.edit.title' : 'diaries.new.title'),
      values: opts.values, errors: opts.errors ?? {}, visibilities: DIARY_VISIBILITIES, diary: opts.diary ?? null,
      photos: opts.photos ?? [], maxPhotos: diaries.MAX_DIARY_PHOTOS,
    });
  }

  /** The viewer's own diary; for editing, not one staff hid (deleting it is still allowed). */
  async function ownDiary(req: Request, opts: { editable?: boolean } = {}) {
    const diary = await visibleDiary(db, diaryId(req), req.member!.id);
    if (!diary || diary.author_id !== req.member!.id || (opts.editable && diary.hidden_at)) throw notFound();
    return diary;
  }

  async function currentPhotos(id: number) {
    return (await photosOf(db, id)).map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'sq180') }));
  }

  /** The diary page; also re-rendered with a 422 when a comment needs fixing. */
  async function diaryPage(req: Request, res: Response, status: number, comment: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} }) {
    const viewer = req.member!;
    const id = diaryId(req);
    // The footprint is written while the page is read: its statement holds the same visibility rule.
    const [diary] = await Promise.all([loadDiaryPage(db, id, viewer.id), status === 200 ? recordDiaryFootprintOnView(ctx, req, id) : null]);
    if (!diary) throw notFound();
    // A diary hidden by staff shows the notice alone: no photos, no comments (diaryPage reads none).
    const { photos, comments } = diary;
    if (status === 200) await diaries.markDiaryRead(db, diary, viewer.id, diary.viewer_read_no);
    render(res.status(status), 'pc/diaries/show', {
      title: diary.hidden_at ? req.t('moderation.hidden') : diary.title,
      diary,
      bodyHtml: formatTextHtml(diary.body),
      photos: photos.map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'w600') })),
      comments: comments.map((c) => commentView(c, viewer.id, diary.author_id)),
      isAuthor: viewer.id === diary.author_id,
      commentValues: { submission_key: crypto.randomUUID(), ...comment.values },
      commentErrors: comment.errors,
    });
  }

  return {
    async showNew(req: Request, res: Response) {
      const me = await db('members').select('default_diary_visibility').where({ id: req.member!.id }).first();
      formPage(req, res, 200, { values: { visibility: me?.default_diary_visibility ?? 'friends', comments_enabled: 'yes', submission_key: crypto.randomUUID() } });
    },

    async create(req: Request, res: Response) {
      const form = DiaryForm.safeParse(req.body);
      // Too many photos or one too large: the form again with everything typed (uploads.ts).
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError);
      if (!form.success || Object.keys(errors).length) return formPage(req, res, 422, { values: req.body, errors });
      const files = uploadedFiles(req).map((f) => f.buffer);
      const result = await diaries.publishDiary(ctx, { authorId: req.member!.id, form: form.data, files, at: ctx.clock.now() });
      if (!result.ok) {
        const errors: FieldErrors = result.reason === 'photo' ? { photos: photoError(result.photoReason) } : { _form: 'validation.diary.duplicate' };
        return formPage(req, res, refusalStatus(result), { values: req.body, errors });
      }
      res.redirect(303, `/diaries/${result.diaryId}`);
    },

    show: (req: Request, res: Response) => diaryPage(req, res, 200),

    async showEdit(req: Request, res: Response) {
      const diary = await ownDiary(req, { editable: true });
      formPage(req, res, 200, {
        values: { title: diary.title, body: diary.body, visibility: diary.visibility, comments_enabled: diary.comments_enabled ? 'yes' : 'no' },
        diary, photos: await currentPhotos(diary.id),
      });
    },

    async update(req: Request, res: Response) {
      const diary = await ownDiary(req, { editable: true });
      const form = DiaryEditForm.safeParse(req.body);
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError);
      if (!form.success || Object.keys(errors).length) return formPage(req, res, 422, { values: req.body, errors, diary, photos: await currentPhotos(diary.id) });
      const files = uploadedFiles(req).map((f) => f.buffer);
      const result = await diaries.updateDiary(ctx, { authorId: req.member!.id, diaryId: diary.id, form: form.data, files, at: ctx.clock.now() });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return formPage(req, res, refusalStatus(result), { values: req.body, errors: { photos: photoError(result.photoReason) }, diary, photos: await currentPhotos(diary.id) });
      }
      req.session.flash = req.t('diaries.saved');
      res.redirect(303, `/diaries/${diary.id}`);
    },

    async showDelete(req: Request, res: Response) {
      const diary = await ownDiary(req);
      render(res, 'pc/diaries/delete', { title: req.t('diaries.delete.title'), diary });
    },

    async remove(req: Request, res: Response) {
      if (!(await diaries.deleteDiary(ctx, { authorId: req.member!.id, diaryId: diaryId(req) }))) throw notFound();
      req.session.flash = req.t('diaries.deleted');
      res.redirect(303, `/members/${req.member!.id}/diaries`);
    },

    async addComment(req: Request, res: Response) {
      const id = diaryId(req);
      const form = CommentForm.safeParse(req.body);
      if (!form.success) return diaryPage(req, res, 422, { values: req.body, errors: fieldErrors(form.error) });
      const result = await diaries.addComment(db, { diaryId: id, authorId: req.member!.id, form: form.data, at: ctx.clock.now() });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return diaryPage(req, res, 422, { values: req.body, errors: { body: result.reason === 'closed' ? 'validation.comment.closed' : 'validation.comment.duplicate' } });
      }
      res.redirect(303, `/diaries/${id}#comment-${result.number}`);
    },

    async deleteComment(req: Request, res: Response) {
      const id = diaryId(req);
      const number = IdParam.safeParse(req.params.number);
      if (!number.success) throw notFound();
      if (!(await visibleDiary(db, id, req.member!.id))) throw notFound();
      if (!(await diaries.deleteComment(db, { diaryId: id, number: number.data, viewerId: req.member!.id, at: ctx.clock.now() }))) throw notFound();
      req.session.flash = req.t('comments.deleted');
      res.redirect(303, `/diaries/${id}#comment-${number.data}`);
    },
  };
}
