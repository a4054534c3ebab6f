import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { keysetLinks, MOBILE_BUDGET } from '../../../http/mobile-budget.js';
import { mobileQuery } from '../../../http/mobile.js';
import { parseSearchQuery } from '../../../lib/forms.js';
import { keysetPage } from '../../../lib/pages.js';
import { findInCommunity } from './find-queries.js';
import { communityPage, pageLink, readableCommunity } from '../pages.js';
import { searchWords } from '../queries.js';
import { CommunityFindQuery } from '../schemas.js';

const FIND_PAGE = 30;

/**
 * Finding topics and events inside a community (PC and /m/). Whoever may not read the board gets
 * its 404 (readableCommunity), as on the board itself; what the board hides is never found.
 */
export function findHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function load(req: Request, pageSize: number) {
    const community = await readableCommunity(ctx, req);
    const { data: query, typed, error } = parseSearchQuery(CommunityFindQuery, req.query);
    const words = error ? [] : searchWords(query.q);
    const before = query.before_at && query.before_id ? { at: query.before_at, id: query.before_id } : undefined;
    const rows = words.length
      ? await findInCommunity(db, community.id, req.member!.id, { words, before, limit: pageSize + 1 })
      : [];
    return { community, query, typed, error, searched: words.length > 0, rows };
  }

  return {
    async find(req: Request, res: Response) {
      const { community, query, typed, error, searched, rows } = await load(req, FIND_PAGE);
      const list = rows.slice(0, FIND_PAGE);
      const last = list[list.length - 1];
      communityPage(
        req,
        res,
        'topic-find',
        community,
        {
          title: req.t('communities.find.title', { name: community.name }),
          q: error ? typed : query.q,
          qError: error,
          searched,
          topics: list,
          next:
            rows.length > FIND_PAGE ? pageLink({ q: query.q, before_at: last.cursor_at, before_id: last.id }) : null,
        },
        error ? 422 : 200,
      );
    },

    async findMobile(req: Request, res: Response) {
      const { community, query, typed, error, searched, rows } = await load(req, MOBILE_BUDGET.list);
      const page = keysetPage(rows, MOBILE_BUDGET.list, (last) =>
        mobileQuery(req, { q: query.q, before_at: last.cursor_at, before_id: last.id }),
      );
      communityPage(
        req,
        res,
        'topic-find',
        community,
        {
          title: req.t('communities.find.title', { name: community.name }),
          q: error ? typed : query.q,
          qError: error,
          searched,
          topics: page.items,
          ...keysetLinks(req, page.next),
        },
        error ? 422 : 200,
      );
    },
  };
}
