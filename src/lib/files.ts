import path from 'node:path';

/** Is `child` the folder `parent` or somewhere below it? Both are resolved first; `..` cannot escape. */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
