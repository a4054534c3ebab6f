import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { notFound } from '../../http/errors.js';
import { mayViewPhoto } from './access.js';
import { findPhoto } from './queries.js';
import { PhotoParams } from './schemas.js';
import { PHOTO_CONTENT_TYPE, variantKey } from './variants.js';

export function photoHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** GET /photos/:id/:variant — a missing photo and one the viewer may not see are the same 404. */
    async serve(req: Request, res: Response) {
      const params = PhotoParams.safeParse(req.params);
      if (!params.success) throw notFound();
      const photo = await findPhoto(db, params.data.id);
      if (!photo || !(await mayViewPhoto(db, req.member!.id, photo))) throw notFound();
      const data = await ctx.photoStorage.get(variantKey(photo.storage_key, params.data.variant));
      if (!data) throw notFound();
      res.set({
        'Content-Type': PHOTO_CONTENT_TYPE,
        // A photo's bytes never change under its URL; private: shared caches must not keep a
        // members-only image.
        'Cache-Control': 'private, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      });
      res.send(data);
    },
  };
}
