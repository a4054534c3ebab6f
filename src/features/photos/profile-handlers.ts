import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { PhotoFile } from './schemas.js';
import { photoUrl } from './variants.js';
import { MAX_PROFILE_PHOTOS, profilePhotosOf } from './profile-queries.js';
import { addProfilePhoto, deleteProfilePhoto, makeMainProfilePhoto } from './profile-service.js';
import { refusalStatus } from './service.js';
import { idParam } from '../../http/params.js';

export function profilePhotoHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function page(req: Request, res: Response, status = 200, errors: FieldErrors = {}) {
    const rows = await profilePhotosOf(db, req.member!.id);
    render(res.status(status), 'pc/photos/profile', {
      title: req.t('photos.profile.title'),
      photos: rows.map((r) => ({
        id: r.photo_id,
        position: r.position,
        isMain: r.is_main,
        url: photoUrl(r.photo_id, 'sq180'),
      })),
      canAdd: rows.length < MAX_PROFILE_PHOTOS,
      max: MAX_PROFILE_PHOTOS,
      errors,
    });
  }

  /** The member's own photo from the URL, or a 404 (someone else's photo looks like no photo). */
  return {
    show: (req: Request, res: Response) => page(req, res),

    async upload(req: Request, res: Response) {
      const refused = fileErrors(req, {}, (reason) => `photos.error.${reason}`);
      if (Object.keys(refused).length) return page(req, res, 422, refused);
      const file = PhotoFile.safeParse(uploadedFiles(req)[0]);
      if (!file.success) return page(req, res, 422, { photo: 'photos.error.required' });
      const result = await addProfilePhoto(ctx, req.member!.id, file.data.buffer);
      if (!result.ok) return page(req, res, refusalStatus(result), { photo: `photos.error.${result.reason}` });
      req.session.flash = req.t('photos.profile.added');
      res.redirect(303, '/profile/photos');
    },

    async makeMain(req: Request, res: Response) {
      const { ok } = await makeMainProfilePhoto(db, req.member!.id, idParam(req));
      if (!ok) throw notFound();
      req.session.flash = req.t('photos.profile.mainChanged');
      res.redirect(303, '/profile/photos');
    },

    async remove(req: Request, res: Response) {
      const { ok } = await deleteProfilePhoto(ctx, req.member!.id, idParam(req));
      if (!ok) throw notFound();
      req.session.flash = req.t('photos.profile.deleted');
      res.redirect(303, '/profile/photos');
    },
  };
}
