import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { HttpError, badRequest, forbidden } from './errors.js';
import { tokenMatches } from './csrf.js';
import { usesShiftJis } from './mobile.js';
import { decodeLatin1AsShiftJis } from './shift-jis.js';

// Multipart bodies (photo uploads). Why the token is checked inside the parser, and why the parser
// runs for every route: src/features/photos/CONTEXT.md.

export const UPLOAD_LIMITS = {
  fileSize: 10 * 1024 * 1024,
  /** The most any form sends (a diary's three photos); each route allows its own number below. */
  files: 3,
  fields: 16,
  /** Fields and files together: a diary form is about ten. */
  parts: 16,
  fieldNameSize: 100,
  fieldSize: 64 * 1024,
  headerPairs: 20,
  // No bracketed names (`a[b][c]`): our forms never use them, and append-field would build
  // nested objects from them.
  fieldNestingDepth: 0,
};

const multerOptions: multer.Options = {
  storage: multer.memoryStorage(),
  limits: UPLOAD_LIMITS,
  // Runs when a file part begins, before a byte of it is kept: the form's `_csrf` field (placed
  // first) must already have arrived and match this session, and the session must be a member's.
  fileFilter(req, _file, accept) {
    if (!tokenMatches(req, (req.body as Record<string, unknown>)._csrf)) return accept(forbidden('errors.csrf'));
    if (!req.session?.memberId) return accept(forbidden());
    accept(null, true);
  },
};
const parser = multer(multerOptions).any();
// Carrier browsers post Shift_JIS: their fields are kept byte for byte (latin1) and decoded after.
const shiftJisParser = multer({ ...multerOptions, defCharset: 'latin1' } as multer.Options).any();

function decodeShiftJisFields(req: Request): void {
  const body = req.body as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    body[k] = typeof v === 'string' ? decodeLatin1AsShiftJis(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? decodeLatin1AsShiftJis(x) : x)) : v;
  }
}

function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    return err.code === 'LIMIT_FILE_SIZE' ? new HttpError({ status: 413, messageKey: 'photos.error.tooLarge' }) : badRequest();
  }
  // busboy: no boundary, truncated body, unsupported multipart type; or the client went away.
  return badRequest();
}

/**
 * Parses multipart bodies into req.body and req.files (in memory), after the Origin gate and before
 * the global token check, which then reads `_csrf` as for any form. Other bodies pass untouched.
 */
export function multipartBody(req: Request, res: Response, next: NextFunction) {
  if (!req.is('multipart')) return next();
  if (usesShiftJis(req)) {
    return shiftJisParser(req, res, (err?: unknown) => {
      if (!err) decodeShiftJisFields(req);
      next(err ? asHttpError(err) : undefined);
    });
  }
  parser(req, res, (err?: unknown) => next(err ? asHttpError(err) : undefined));
}

/** The files of this request (empty unless it was multipart). */
export function uploadedFiles(req: Request): Express.Multer.File[] {
  return Array.isArray(req.files) ? req.files : [];
}

/**
 * On an upload route: the one file field it takes and how many files (profile: 1, diary: 3).
 * More files, or files under another name, are a 400. Routes without it ignore req.files.
 */
export function acceptFiles(field: string, maxCount: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const files = uploadedFiles(req);
    if (files.length > maxCount || files.some((f) => f.fieldname !== field)) return next(badRequest());
    next();
  };
}
