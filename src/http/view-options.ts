import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/**
 * Hot views compiled without `with` (issue 20): EJS wraps a template's code in `with (locals)`, and
 * V8 does not optimise a function that holds one. Without it, every local a view or its partials
 * read is declared once at the top from the locals (EJS's destructuredLocals), so the lists below
 * name every local those templates read — a name left out is a ReferenceError on the page, which
 * the home tests (PC and mobile) render. A name listed that a page does not pass is undefined, as
 * `typeof x` expects. Other views keep `with`.
 */
const COMMON = ['t', 'locale', 'member', 'csrfToken', 'currentPath', 'flash', 'fmt', 'errors', 'values', 'title'];
const HOME = [
  'pending',
  'birthdays',
  'milestones',
  'hasPending',
  'myAvatar',
  'friends',
  'totalFriends',
  'avatars',
  'latest',
  'photos',
  'activity',
  'communities',
  'notices',
];
// Partials' own locals (from their include data): head/foot, csrf, hidden-notice. (PC home's would be
// mobileUrl, avatar, size, name, id, reason, members, messageLinks, items.)
const MOBILE_PARTIALS = ['charset', 'home', 'mobilePath', 'pcUrl', 'mobileStyle', 'pcOnlyUrl', 'reason'];

// Measured by rendering each home alone (docs/performance.md, run J): mobile home 96 -> 60 µs;
// PC home 206 -> 206 µs (its time is elsewhere), so the PC tree keeps `with` until a measurement
// shows a gain there.
const WITHOUT_WITH = new Map<string, string[]>([['mobile/home.ejs', [...COMMON, ...HOME, ...MOBILE_PARTIALS]]]);

/** The cache key of a partial compiled for a view without `with` (the same partial keeps `with` for other views). */
const SUFFIX = '#without-with';

/** Extra EJS options for `file` (an absolute path under `viewsDir`): none for most views. */
export function viewOptions(viewsDir: string, file: string): ejs.Options {
  const names = WITHOUT_WITH.get(path.relative(viewsDir, file).split(path.sep).join('/'));
  if (!names) return {};
  return {
    _with: false,
    destructuredLocals: names,
    // The includes inherit these options; they are compiled (and cached) apart from the same
    // partials compiled with `with` for other pages.
    includer: (_original: string, resolved: string) => {
      const key = resolved + SUFFIX;
      return {
        filename: key,
        template: ejs.cache.get(key) ? '' : fs.readFileSync(resolved, 'utf8'),
      } as unknown as ejs.IncluderResult;
    },
  } as ejs.Options;
}
