import type { Request, Response } from 'express';
import { render } from '../../http/render.js';

// The dashboard of SPEC §7 arrives with the home issue; for now home greets the member.
export function homeHandlers() {
  return {
    show(req: Request, res: Response) {
      render(res, 'pc/home', { title: req.t('home.title') });
    },
  };
}
