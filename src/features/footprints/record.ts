import type { Request } from 'express';
import type { AppContext } from '../../context.js';

/**
 * Called by the profile page and (later) the diary page after the viewer was allowed to see it.
 * Records a footprint only for same-site navigations (SPEC §3).
 * STUB: implemented by the footprints work.
 */
export async function recordFootprintOnView(_ctx: AppContext, _req: Request, _ownerId: number): Promise<void> {}
