import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { recordFootprintOnView } from '../footprints/record.js';

const MemberParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 53) });

export function profileHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    async show(req: Request, res: Response) {
      const params = MemberParams.safeParse(req.params);
      if (!params.success) throw notFound();
      const viewer = req.member!;
      const member = await db('members').select('id', 'nickname').where({ id: params.data.id, status: 'active' }).first();
      if (!member) throw notFound();
      if (member.id !== viewer.id && (await isBlockedEitherWay(db, viewer.id, member.id))) throw notFound();
      await recordFootprintOnView(ctx, req, member.id);
      render(res, 'pc/profiles/show', { title: member.nickname, profile: member, isSelf: member.id === viewer.id });
    },
  };
}
