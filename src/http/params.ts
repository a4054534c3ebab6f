import type { Request } from 'express';
import { IdParam } from '../lib/forms.js';
import { notFound } from './errors.js';

/** A positive id from the URL (`:id`, or the segment `name` names), or a 404. */
export function idParam(req: Request, name = 'id'): number {
  const id = IdParam.safeParse(req.params[name]);
  if (!id.success) throw notFound();
  return id.data;
}
