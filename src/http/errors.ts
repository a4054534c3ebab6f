// The HttpError family. Handlers throw these; the error handler renders the surface's error page.

export type HttpErrorOptions = { status: number; messageKey?: string; retryAfterSeconds?: number; cause?: unknown };

export class HttpError extends Error {
  readonly status: number;
  readonly messageKey?: string;
  readonly retryAfterSeconds?: number;
  constructor(opts: HttpErrorOptions) {
    super(opts.messageKey ?? `HTTP ${opts.status}`, { cause: opts.cause });
    this.status = opts.status;
    this.messageKey = opts.messageKey;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export const badRequest = (messageKey = 'errors.badRequest') => new HttpError({ status: 400, messageKey });
export const forbidden = (messageKey = 'errors.forbidden') => new HttpError({ status: 403, messageKey });
export const notFound = () => new HttpError({ status: 404, messageKey: 'errors.notFound' });
export const tooManyRequests = (retryAfterSeconds: number, messageKey = 'errors.tooManyRequests') =>
  new HttpError({ status: 429, messageKey, retryAfterSeconds });
export const serviceUnavailable = (messageKey = 'errors.unavailable') =>
  new HttpError({ status: 503, messageKey, retryAfterSeconds: 5 });
