import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import { HttpError, badRequest, forbidden } from './errors.js';
import type { FieldErrors } from './render.js';
import { tokenMatches, verifyCsrfToken } from './csrf.js';
import { usesShiftJis } from './mobile.js';
import { decodeLatin1AsShiftJis } from './shift-jis.js';
import { refuseNulCharacters } from './input-guard.js';

// Multipart bodies (photo uploads), parsed only on the routes that take files. Why, and the order of
// checks: src/features/photos/CONTEXT.md.

/** The largest photo a member may send; a larger one is refused on the form (422). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export const UPLOAD_LIMITS = {
  /** More file parts than this are not a member choosing too many photos but a broken client: 400. */
  files: 10,
  fields: 16,
  /** Fields and files together: a diary form is about ten. */
  parts: 20,
  fieldNameSize: 100,
  fieldSize: 64 * 1024,
  headerPairs: 20,
  // No bracketed names (`a[b][c]`): our forms never use them, and append-field would build
  // nested objects from them.
  fieldNestingDepth: 0,
};

/** The one file field of an upload route and how many files its form takes (profile: 1, diary: 3). */
export type FileRule = { field: string; max: number };
export function acceptFiles(field: string, max: number): FileRule {
  return { field, max };
}

/** Why a form's files were refused: shown next to its file field, the rest of the form kept. */
export type FileRefusal = 'tooMany' | 'tooLarge';
type StoredFile = Express.Multer.File & { tooLarge?: boolean };

const refusals = new WeakMap<Request, { field: string; reason: FileRefusal }>();
const acceptedCounts = new WeakMap<Request, number>();

// In memory, up to the size limit. A larger file is read to its end and dropped rather than
// aborting the parse, so the fields after it still arrive and the form can be shown again.
const cappedMemory: multer.StorageEngine = {
  _handleFile(_req, file, done) {
    let chunks: Buffer[] = [];
    let size = 0;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PHOTO_BYTES) chunks.push(chunk);
      else chunks = [];
    });
    file.stream.on('error', (err) => done(err));
    file.stream.on('end', () =>
      done(
        null,
        size > MAX_PHOTO_BYTES
          ? ({ size, tooLarge: true } as Partial<StoredFile>)
          : { size, buffer: Buffer.concat(chunks) },
      ),
    );
  },
  _removeFile(_req, file, done) {
    delete (file as Partial<StoredFile>).buffer;
    done(null);
  },
};

function parserFor(rule: FileRule, shiftJis: boolean) {
  return multer({
    storage: cappedMemory,
    limits: UPLOAD_LIMITS,
    ...(shiftJis ? { defCharset: 'latin1' } : {}),
    // Runs when a file part begins, before a byte of it is kept: the form's `_csrf` field (placed
    // first) must already have arrived and match this session, and the session must be a member's.
    fileFilter(req, file, accept) {
      if (!tokenMatches(req, (req.body as Record<string, unknown>)._csrf)) return accept(forbidden('errors.csrf'));
      if (!req.session?.memberId) return accept(forbidden());
      if (file.fieldname !== rule.field) return accept(badRequest());
      const count = (acceptedCounts.get(req) ?? 0) + 1;
      acceptedCounts.set(req, count);
      // One more than the form takes: skipped unread, and the form says so.
      if (count > rule.max) return accept(null, false);
      accept(null, true);
    },
  } as multer.Options).any();
}

function decodeShiftJisFields(req: Request): void {
  const body = req.body as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    body[k] =
      typeof v === 'string'
        ? decodeLatin1AsShiftJis(v)
        : Array.isArray(v)
          ? v.map((x) => (typeof x === 'string' ? decodeLatin1AsShiftJis(x) : x))
          : v;
  }
}

function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // multer limits (too many files, fields or parts; long names or values; bracketed names);
  // busboy: no boundary, truncated body; or the client went away.
  return badRequest();
}

/** The body into req.body and req.files (in memory), Shift_JIS fields decoded for carrier browsers. */
function parseMultipart(rule: FileRule): RequestHandler {
  const parsers = { utf8: parserFor(rule, false), shiftJis: parserFor(rule, true) };
  return (req: Request, res: Response, next: NextFunction) => {
    // A form posted without its enctype was parsed and checked by the app's form layers.
    if (!req.is('multipart')) return next();
    const shiftJis = usesShiftJis(req);
    (shiftJis ? parsers.shiftJis : parsers.utf8)(req, res, (err?: unknown) => {
      if (err) return next(asHttpError(err));
      if (shiftJis) decodeShiftJisFields(req);
      next();
    });
  };
}

/** Too many files, or one too large: noted for the handler, which shows the form again (fileErrors). */
function noteRefusedFiles(rule: FileRule): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const tooMany = (acceptedCounts.get(req) ?? 0) > rule.max;
    const reason: FileRefusal | null = tooMany
      ? 'tooMany'
      : uploadedFilesOf(req).some((f) => f.tooLarge)
        ? 'tooLarge'
        : null;
    if (reason) {
      refusals.set(req, { field: rule.field, reason });
      req.files = [];
    }
    next();
  };
}

/**
 * What an upload route runs first: its parser, then the checks the app's form layers ran for
 * every other form before routing — the `_csrf` token (before any handler runs or anything is
 * rendered) and the NUL guard — now that the fields are in req.body.
 */
function uploadLayers(rule: FileRule): RequestHandler[] {
  return [parseMultipart(rule), verifyCsrfToken, refuseNulCharacters, noteRefusedFiles(rule)];
}

const uploadPaths = new WeakMap<Router, string[]>();

/**
 * Registers upload routes on a route table: `upload(path, acceptFiles(field, n), ...handlers)` is a
 * POST whose multipart body is parsed there, and the path is remembered so that the app lets
 * multipart bodies through to these routes only (multipartOnlyOnUploadRoutes).
 */
export function uploadRoute(r: Router) {
  return (path: string, rule: FileRule, ...handlers: RequestHandler[]) => {
    uploadPaths.set(r, [...(uploadPaths.get(r) ?? []), path]);
    r.post(path, ...uploadLayers(rule), ...handlers);
  };
}

/**
 * One of the app's form layers, in place of a multipart parser: a multipart POST to an upload route
 * leaves these layers unread (`next('router')`: its route parses it and checks the token itself);
 * to any other route, or with any other method, it is refused (415) before a byte of it is read.
 */
export function multipartOnlyOnUploadRoutes(tables: [mountPath: string, router: Router][]): RequestHandler {
  let patterns: RegExp[] | null = null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart')) return next();
    patterns ??= tables.flatMap(([mount, router]) =>
      (uploadPaths.get(router) ?? []).map((p) => pathPattern(mount + p)),
    );
    if (req.method === 'POST' && patterns.some((re) => re.test(req.path))) return next('router');
    // Nothing of the body is read: the connection is closed once the answer is sent.
    res.set('Connection', 'close');
    next(new HttpError({ status: 415, messageKey: 'errors.badRequest' }));
  };
}

/** `/communities/:id/topics` as a pattern; stricter than the router (case-sensitive), never looser. */
function pathPattern(path: string): RegExp {
  return new RegExp(
    `^${path
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}/?$`,
  );
}

function uploadedFilesOf(req: Request): StoredFile[] {
  return Array.isArray(req.files) ? (req.files as StoredFile[]) : [];
}

/** The files of this request (empty unless it was multipart). Never the files of a refused form. */
export function uploadedFiles(req: Request): Express.Multer.File[] {
  // A handler that forgot fileErrors() must not store a diary without the photos the member chose.
  if (refusals.has(req)) throw new HttpError({ status: 422, messageKey: `photos.error.${refusals.get(req)!.reason}` });
  return uploadedFilesOf(req);
}

/**
 * A form's errors with the refusal of its files (if any) next to its file field; `messageKey`
 * names the refusal as the form says it (e.g. 'tooMany' → 「写真は3枚までです。」).
 */
export function fileErrors(
  req: Request,
  errors: FieldErrors,
  messageKey: (reason: FileRefusal) => string,
): FieldErrors {
  const refused = refusals.get(req);
  if (!refused) return errors;
  return { ...errors, [refused.field]: messageKey(refused.reason) };
}
