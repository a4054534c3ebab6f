import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { pinoHttp } from 'pino-http';
import { logFor } from '../lib/log.js';

/** An id a proxy in front may hand over: short, and nothing that could forge or break a log line. */
const UPSTREAM_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request id: the upstream `X-Request-Id` when well-formed, else a new one; sent back on every response. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const upstream = req.headers['x-request-id'];
  const id = typeof upstream === 'string' && UPSTREAM_ID.test(upstream) ? upstream : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The path only: a query string can hold search words, and a long or odd path is cut. Nothing of
 * the request but its method and path is logged — no headers, no cookies, no body.
 */
export function loggedPath(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 300 ? `${path.slice(0, 300)}…` : path;
}

function accessFields(req: IncomingMessage, res: ServerResponse, ms: number) {
  return {
    method: req.method,
    path: loggedPath(req),
    status: res.statusCode,
    ms,
    // The member's id, never the nickname; absent for visitors.
    memberId: (req as Request).member?.id,
    // The client went away before the response was written.
    aborted: res.writableFinished ? undefined : true,
  };
}

/**
 * pino-http: `req.id`, `req.log` (lines carrying `reqId`), and one access line per request when its
 * response is finished (health checks are not logged). Kept cheap: no serializer walks the request.
 */
export function requestLogger() {
  return pinoHttp({
    logger: logFor('http'),
    genReqId: requestIdOf,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    // pino-http binds the request to a child logger it keeps aside; nothing of it is printed.
    serializers: { req: () => undefined },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    customLogLevel: (_req, res) => (res.statusCode === 503 ? 'warn' : res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, val: { responseTime: number }) => accessFields(req, res, val.responseTime),
    // A 5xx: the error handler logs the error itself, with its stack and this request's id.
    customErrorObject: (req, res, _err, val: { responseTime: number }) => accessFields(req, res, val.responseTime),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
}
