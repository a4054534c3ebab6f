import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { HttpError } from './errors.js';
import { isDatabaseUnavailable } from '../db/knex.js';
import { isMessageKey, translator, pickLocale } from '../i18n/index.js';
import { renderPage } from './render.js';
import { logFor } from '../lib/log.js';

// The component names of the lines this handler writes: an unexpected failure (level error, with
// its stack), input a handler should have refused, the database being away.
const errorLog = logFor('error');
const badInputLog = logFor('bad-input');
const unavailableLog = logFor('unavailable');

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction) {
  next(new HttpError({ status: 404, messageKey: 'errors.notFound' }));
}

type BodyParserError = { status?: number; statusCode?: number; type?: string; expose?: boolean };

/** PostgreSQL refusing a value's characters: a NUL (22021) or one the encoding lacks (22P05). */
const BAD_CHARACTER_CODES = new Set(['22021', '22P05']);

/**
 * What a request sent that its handler should have refused: a schema's `parse` failing on request
 * input, or text PostgreSQL cannot store. The client gets a 400; the log gets one line naming the
 * kind, never the statement or the values.
 */
function badInputKind(err: unknown): string | null {
  if (err instanceof ZodError) return `invalid ${err.issues.map((i) => i.path.join('.') || '(input)').join(', ')}`;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && BAD_CHARACTER_CODES.has(code)) return `database refused the characters (${code})`;
  return null;
}

/** One error handler: known errors become their status page, the database being away becomes 503,
 * anything else is logged with its stack and shown as a plain 500 page with no details. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction) {
  let status = 500;
  let messageKey = 'errors.internal';
  let retryAfter: number | undefined;
  const badInput = err instanceof HttpError ? null : badInputKind(err);

  if (err instanceof HttpError) {
    status = err.status;
    messageKey = err.messageKey ?? messageKey;
    retryAfter = err.retryAfterSeconds;
  } else if (badInput) {
    status = 400;
    messageKey = 'errors.badRequest';
    badInputLog.warn({ reqId: req.id, method: req.method, path: req.path }, badInput);
  } else if (isDatabaseUnavailable(err)) {
    status = 503;
    messageKey = 'errors.unavailable';
    retryAfter = 5;
  } else if (
    err &&
    typeof err === 'object' &&
    ((err as BodyParserError).status ?? 0) >= 400 &&
    ((err as BodyParserError).status ?? 0) < 500
  ) {
    // body-parser / multer errors: malformed, too large, too many fields
    status = (err as BodyParserError).status!;
    messageKey = status === 413 ? 'errors.tooLarge' : 'errors.badRequest';
  }

  // With the request id the member can quote from the 500 page (SECURITY 55); never the query string.
  if (status >= 500 && status !== 503)
    errorLog.error({ reqId: req.id, method: req.method, path: req.path, err }, `${req.method} ${req.path}`);
  else if (status === 503)
    unavailableLog.warn({ reqId: req.id, method: req.method, path: req.path }, (err as Error)?.message);

  if (res.headersSent) return;
  // An error page may carry the member's header; none is worth keeping in a cache.
  res.set('Cache-Control', 'no-store');
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  const t = req.t ?? translator(pickLocale(undefined, req));
  res.status(status);
  // The error page of the surface the request was for (req.surface: mobile/errors/error on /m/, even
  // for an error raised before any route), rendered and sent as every page is.
  renderPage(
    res,
    'pc/errors/error',
    {
      t,
      locale: req.locale ?? 'ja',
      member: req.member ?? null,
      csrfToken: req.session?.csrfSecret ?? '',
      currentPath: req.path,
      flash: null,
      status,
      requestId: status === 500 && typeof req.id === 'string' ? req.id : null,
      title: t(
        isMessageKey(`errors.title.${status}`)
          ? (`errors.title.${status}` as never)
          : ('errors.title.default' as never),
      ),
      message: t(isMessageKey(messageKey) ? (messageKey as never) : ('errors.internal' as never)),
    },
    (renderErr) => {
      errorLog.error({ reqId: req.id, err: renderErr }, 'error page failed to render');
      res.type('text/plain').send(`${status}`);
    },
  );
}
