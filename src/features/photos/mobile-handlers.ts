import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { mayViewPhoto } from './access.js';
import { findPhoto } from './queries.js';
import { photoUrl } from './variants.js';
import { idParam } from '../../http/params.js';

/** Where "back" may lead: a page of the mobile site, nothing else. */
const BackQuery = z.object({
  back: z
    .string()
    .regex(/^\/m\/[\x21-\x7e]*$/)
    .optional()
    .catch(undefined),
});

export function mobilePhotoHandlers(ctx: AppContext) {
  return {
    /** A photo opened from a mobile page: the 240×320 variant, for whoever may see what it belongs to. */
    async show(req: Request, res: Response) {
      const photo = await findPhoto(ctx.db, idParam(req));
      if (!photo || !(await mayViewPhoto(ctx.db, req.member!.id, photo))) throw notFound();
      render(res, 'mobile/photos/show', {
        title: req.t('mobile.photo'),
        pcPath: '/home',
        url: photoUrl(photo.id, 'm240'),
        back: BackQuery.parse(req.query).back ?? null,
      });
    },
  };
}
