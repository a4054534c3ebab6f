import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { textPage } from '../../http/mobile-budget.js';
import { fieldErrors, DIARY_VISIBILITIES } from '../../lib/forms.js';
import { formatTextHtml } from '../../lib/text.js';
import { recordDiaryFootprintOnView } from '../footprints/record.js';
import { photoUrl } from '../photos/variants.js';
import { draftOf, loadDiaryPage, photosOf, visibleDiary, type DraftRow } from './queries.js';
import { CommentForm, DiaryAction, DiaryEditForm, DiaryForm } from './schemas.js';
import { groupOf, groupsOf } from '../friends/groups-queries.js';
import { commentView } from './comment-view.js';
import * as diaries from './service.js';
import { refusalStatus } from '../photos/service.js';
import { idParam } from '../../http/params.js';

/** A preview (確認する) writes nothing: it does not count against the daily diary limit. */
export function exceptPreview(limit: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    DiaryAction.parse(req.body) === 'preview' ? next() : limit(req, res, next);
}

/** The diary as it will look, for the form's preview: the text through the one formatter. */
function previewOf(form: { title: string; body: string; visibility: string; comments_enabled: boolean }) {
  // firstPart: the mobile page shows a diary in parts; its preview shows the first, within the page budget.
  return {
    title: form.title,
    bodyHtml: formatTextHtml(form.body),
    firstPart: textPage(form.body, {}),
    visibility: form.visibility.startsWith('group:') ? 'group' : form.visibility,
    commentsEnabled: form.comments_enabled,
  };
}

function photoError(reason: string): string {
  return reason === 'tooMany' ? 'validation.diary.photos.tooMany' : `photos.error.${reason}`;
}

export function diaryHandlers(ctx: AppContext) {
  const { db } = ctx;

  type Preview = ReturnType<typeof previewOf> & { photosDropped: boolean; photos: { id: number; url: string }[] };

  /** The diary form (new or edit); with `preview`, the diary as it will look above the kept form. */
  async function formPage(
    req: Request,
    res: Response,
    status: number,
    opts: {
      values: Record<string, unknown>;
      errors?: FieldErrors;
      diary?: { id: number; published_at?: Date | null };
      photos?: { id: number; url: string }[];
      preview?: Preview;
    },
  ) {
    const isDraft = !opts.diary || opts.diary.published_at === null;
    render(res.status(status), 'pc/diaries/form', {
      title: opts.preview
        ? req.t('diaries.preview.title')
        : req.t(opts.diary ? 'diaries.edit.title' : 'diaries.new.title'),
      values: opts.values,
      errors: opts.errors ?? {},
      visibilities: DIARY_VISIBILITIES,
      diary: opts.diary ?? null,
      // The author's friend groups, offered as 「グループ: 名前」 (value 'group:<id>').
      audienceGroups: await groupsOf(db, req.member!.id),
      photos: opts.photos ?? [],
      maxPhotos: diaries.MAX_DIARY_PHOTOS,
      preview: opts.preview ?? null,
      // New diaries and drafts may be saved as drafts; a published diary stays published.
      canDraft: isDraft,
      postLabel: opts.diary ? (isDraft ? 'diaries.form.publish' : 'diaries.form.save') : 'diaries.form.submit',
    });
  }

  /** A 'group:<id>' visibility must name one of the author's own groups; anything else is not offered. */
  async function audienceErrors(
    req: Request,
    errors: FieldErrors,
    visibility: string | undefined,
  ): Promise<FieldErrors> {
    if (!visibility?.startsWith('group:') || (await groupOf(db, req.member!.id, Number(visibility.slice(6)))))
      return errors;
    return { ...errors, visibility: 'validation.visibility.invalid' };
  }

  /** The viewer's own diary, published or a draft; for editing, not one staff hid (deleting it is still allowed). */
  async function ownDiary(req: Request, opts: { editable?: boolean } = {}) {
    const id = idParam(req);
    const published = await visibleDiary(db, id, req.member!.id);
    const diary = published ?? (await draftOf(db, id, req.member!.id));
    if (!diary || diary.author_id !== req.member!.id || (opts.editable && diary.hidden_at)) throw notFound();
    // published_at: null marks a draft; a published diary's time is its created_at.
    return { ...diary, published_at: published ? diary.created_at : null };
  }

  /** The author's own draft: the diary as it will look, with 公開する; no footprint, no comments. */
  async function draftPage(req: Request, res: Response, draft: DraftRow) {
    const photos = await photosOf(db, draft.id);
    render(res, 'pc/diaries/draft', {
      title: draft.title,
      diary: draft,
      bodyHtml: formatTextHtml(draft.body),
      photos: photos.map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'w600') })),
    });
  }

  async function currentPhotos(id: number) {
    return (await photosOf(db, id)).map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'sq180') }));
  }

  /** The diary page; also re-rendered with a 422 when a comment needs fixing. */
  async function diaryPage(
    req: Request,
    res: Response,
    status: number,
    comment: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const viewer = req.member!;
    const id = idParam(req);
    // The footprint is written while the page is read: its statement holds the same visibility rule.
    // The page is read from the replica when it may be (http/reads.ts); the footprint and the read mark are written on the primary.
    const [diary] = await Promise.all([
      ctx.reads.read(req, (r) => loadDiaryPage(r, id, viewer.id)),
      status === 200 ? recordDiaryFootprintOnView(ctx, req, id) : null,
    ]);
    if (!diary) {
      // A draft is on no page but its author's draft page (and its footprint statement counted nothing).
      const draft = status === 200 ? await draftOf(db, id, viewer.id) : undefined;
      if (draft) return draftPage(req, res, draft);
      throw notFound();
    }
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
      await formPage(req, res, 200, {
        values: {
          visibility: me?.default_diary_visibility ?? 'friends',
          comments_enabled: 'yes',
          submission_key: crypto.randomUUID(),
        },
      });
    },

    /** 投稿する, 確認する (preview: the form again, nothing written) or 下書き保存 (a draft only the author sees). */
    async create(req: Request, res: Response) {
      const action = DiaryAction.parse(req.body);
      const form = DiaryForm.safeParse(req.body);
      // Too many photos or one too large: the form again with everything typed (uploads.ts).
      const errors = await audienceErrors(
        req,
        fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError),
        form.data?.visibility,
      );
      if (!form.success || Object.keys(errors).length)
        return await formPage(req, res, 422, { values: req.body, errors });
      const files = uploadedFiles(req).map((f) => f.buffer);
      // Photos chosen for a preview are not kept (a file field cannot be filled again): the page says
      // so; a draft keeps them and its page shows them as they will be.
      if (action === 'preview')
        return await formPage(req, res, 200, {
          values: req.body,
          preview: { ...previewOf(form.data), photosDropped: files.length > 0, photos: [] },
        });
      const result = await diaries.publishDiary(ctx, {
        authorId: req.member!.id,
        form: form.data,
        files,
        at: ctx.clock.now(),
        draft: action === 'draft',
      });
      if (!result.ok) {
        const errors: FieldErrors =
          result.reason === 'photo'
            ? { photos: photoError(result.photoReason) }
            : { _form: 'validation.diary.duplicate' };
        return await formPage(req, res, refusalStatus(result), { values: req.body, errors });
      }
      if (action === 'draft') req.session.flash = req.t('diaries.draft.saved');
      res.redirect(303, `/diaries/${result.diaryId}`);
    },

    /** 公開する on a draft: it appears everywhere with the time of publication. */
    async publish(req: Request, res: Response) {
      const result = await diaries.publishDraft(db, {
        authorId: req.member!.id,
        diaryId: idParam(req),
        at: ctx.clock.now(),
      });
      if (result === 'not_found') throw notFound();
      if (result === 'published') req.session.flash = req.t('diaries.draft.published');
      res.redirect(303, `/diaries/${idParam(req)}`);
    },

    show: (req: Request, res: Response) => diaryPage(req, res, 200),

    async showEdit(req: Request, res: Response) {
      const diary = await ownDiary(req, { editable: true });
      await formPage(req, res, 200, {
        values: {
          title: diary.title,
          body: diary.body,
          visibility: diary.visibility === 'group' ? `group:${diary.audience_group_id}` : diary.visibility,
          comments_enabled: diary.comments_enabled ? 'yes' : 'no',
        },
        // diary.published_at: null for a draft (the form offers 下書き保存 and 公開する).
        diary,
        photos: await currentPhotos(diary.id),
      });
    },

    /** Saving an edit; on a draft, 投稿する publishes it and 下書き保存 keeps it a draft. 確認する previews. */
    async update(req: Request, res: Response) {
      const diary = await ownDiary(req, { editable: true });
      const action = DiaryAction.parse(req.body);
      const form = DiaryEditForm.safeParse(req.body);
      const errors = await audienceErrors(
        req,
        fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError),
        form.data?.visibility,
      );
      if (!form.success || Object.keys(errors).length)
        return await formPage(req, res, 422, {
          values: req.body,
          errors,
          diary,
          photos: await currentPhotos(diary.id),
        });
      const files = uploadedFiles(req).map((f) => f.buffer);
      if (action === 'preview') {
        // The photos the diary keeps, shown as they will be; new files are not kept (as on a new diary).
        const photos = await currentPhotos(diary.id);
        const kept = (await photosOf(db, diary.id))
          .filter((p) => !form.data.remove_photo.includes(p.photo_id))
          .map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'w600') }));
        return await formPage(req, res, 200, {
          values: req.body,
          diary,
          photos,
          preview: { ...previewOf(form.data), photosDropped: files.length > 0, photos: kept },
        });
      }
      const publish = diary.published_at === null && action === 'post';
      const result = await diaries.updateDiary(ctx, {
        authorId: req.member!.id,
        diaryId: diary.id,
        form: form.data,
        files,
        at: ctx.clock.now(),
        publish,
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return await formPage(req, res, refusalStatus(result), {
          values: req.body,
          errors: { photos: photoError(result.photoReason) },
          diary,
          photos: await currentPhotos(diary.id),
        });
      }
      req.session.flash = req.t(publish ? 'diaries.draft.published' : 'diaries.saved');
      res.redirect(303, `/diaries/${diary.id}`);
    },

    async showDelete(req: Request, res: Response) {
      const diary = await ownDiary(req);
      render(res, 'pc/diaries/delete', { title: req.t('diaries.delete.title'), diary });
    },

    async remove(req: Request, res: Response) {
      if (!(await diaries.deleteDiary(ctx, { authorId: req.member!.id, diaryId: idParam(req) }))) throw notFound();
      req.session.flash = req.t('diaries.deleted');
      res.redirect(303, `/members/${req.member!.id}/diaries`);
    },

    async addComment(req: Request, res: Response) {
      const id = idParam(req);
      const form = CommentForm.safeParse(req.body);
      if (!form.success) return diaryPage(req, res, 422, { values: req.body, errors: fieldErrors(form.error) });
      const result = await diaries.addComment(db, {
        diaryId: id,
        authorId: req.member!.id,
        form: form.data,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return diaryPage(req, res, 422, {
          values: req.body,
          errors: { body: result.reason === 'closed' ? 'validation.comment.closed' : 'validation.comment.duplicate' },
        });
      }
      res.redirect(303, `/diaries/${id}#comment-${result.number}`);
    },

    async deleteComment(req: Request, res: Response) {
      const id = idParam(req);
      const number = idParam(req, 'number');
      if (!(await visibleDiary(db, id, req.member!.id))) throw notFound();
      if (!(await diaries.deleteComment(db, { diaryId: id, number, viewerId: req.member!.id, at: ctx.clock.now() })))
        throw notFound();
      req.session.flash = req.t('comments.deleted');
      res.redirect(303, `/diaries/${id}#comment-${number}`);
    },
  };
}
