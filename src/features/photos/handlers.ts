import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { notFound } from '../../http/errors.js';
import { mayViewPhoto } from './access.js';
import { findPhoto } from './queries.js';
import { PhotoParams } from './schemas.js';
import { PHOTO_CONTENT_TYPE, variantKey } from './variants.js';
import { logFor } from '../../lib/log.js';

const log = logFor('photos');

export function photoHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** GET /photos/:id/:variant — a missing photo and one the viewer may not see are the same 404. */
    async serve(req: Request, res: Response) {
      const params = PhotoParams.safeParse(req.params);
      if (!params.success) throw notFound();
      const photo = await findPhoto(db, params.data.id);
      if (!photo || !(await mayViewPhoto(db, req.member!.id, photo))) throw notFound();
      res.set({
        // A photo's bytes never change under its URL; private: shared caches must not keep a
        // members-only image. The ETag lets a browser revalidate without the store being read.
        'Cache-Control': 'private, max-age=31536000, immutable',
        ETag: `"p${photo.id}-${params.data.variant}"`,
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.fresh) return void res.status(304).end();
      // Streamed from the store (disk or bucket) after the check, never a redirect to it (CONTEXT.md).
      const stored = await ctx.photoStorage.get(variantKey(photo.storage_key, params.data.variant));
      if (!stored) {
        for (const name of ['Cache-Control', 'ETag']) res.removeHeader(name); // a 404 is not for a year
        throw notFound();
      }
      res.set({ 'Content-Type': PHOTO_CONTENT_TYPE, 'Content-Length': String(stored.size) });
      try {
        await pipeline(stored.body, res);
      } catch (err) {
        // The headers are gone: a store failing mid-body, or a viewer leaving, can only cut the
        // response short (pipeline has closed both ends). Only the former is worth a line.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
          log.warn({ reqId: req.id }, `serving photo ${photo.id} stopped: ${(err as Error).message}`);
      }
    },
  };
}
