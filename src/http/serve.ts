import http from 'node:http';
import { inTurns } from './turns.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The HTTP server around the app: the one serving function of src/server.ts and of the HTTP tests
 * (test/support/app.ts), so that the suite runs through what production runs. Requests start in
 * turns of the event loop (turns.ts) of `turnBudgetMs` each (HTTP_TURN_BUDGET_MS; 0: off, each
 * request handled in the turn it is read in, Node's own way); idle kept-alive sockets close after 5 s.
 */
export function createHttpServer(app: Handler, opts: { turnBudgetMs: number }): http.Server {
  const server = http.createServer(opts.turnBudgetMs > 0 ? inTurns(app, opts.turnBudgetMs) : app);
  server.keepAliveTimeout = 5_000;
  return server;
}
