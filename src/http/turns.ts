import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Requests are handled in arrival order, in turns of the event loop that each take at most about
 * `budgetMs` of starting them.
 *
 * Node (libuv) accepts one new connection per turn of its event loop. A page that renders without
 * waiting on the database runs to its end in the turn its request was read in, so a busy process
 * reads every waiting request and renders them all before it looks at its listening socket again:
 * with 50 kept-alive connections at 0.5 ms a page that is 25 ms per turn, and the fiftieth of a
 * burst of new visitors was accepted after more than a second (measured; their first page was what
 * made the login page's p99 long). Handing the requests to `setImmediate` a few milliseconds' worth
 * at a time keeps each turn short, so a new connection waits a few milliseconds. A page that waits
 * on the database starts in a fraction of a millisecond, so many still start per turn (a fixed
 * count per turn throttled those pages: docs/performance.md).
 */
export function inTurns(handler: Handler, budgetMs: number): Handler {
  const waiting: [IncomingMessage, ServerResponse][] = [];
  let next = 0;
  let scheduled = false;
  const turn = () => {
    scheduled = false;
    const until = performance.now() + budgetMs;
    try {
      do {
        const [req, res] = waiting[next];
        waiting[next++] = undefined as never;
        handler(req, res);
      } while (next < waiting.length && performance.now() < until);
    } finally {
      // (A handler that throws still leaves the requests behind it their turn.)
      if (next < waiting.length) {
        scheduled = true;
        setImmediate(turn);
      } else {
        waiting.length = 0;
        next = 0;
      }
    }
  };
  return (req, res) => {
    waiting.push([req, res]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(turn);
    }
  };
}
