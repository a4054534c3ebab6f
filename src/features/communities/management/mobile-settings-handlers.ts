import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import type { FieldErrors } from '../../../http/render.js';
import { notFound } from '../../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../../http/uploads.js';
import { fieldErrors } from '../../../lib/forms.js';
import { refusalStatus } from '../../photos/service.js';
import { communityPage, managedCommunity, photoError, redirectWith, SETTINGS_CHOICES } from '../pages.js';
import type { CommunityView } from '../queries.js';
import { CommunityEditForm } from '../schemas.js';
import { updateCommunity } from '../service.js';

// A community's settings from a phone (/m/communities/:id/manage): what the PC settings form
// changes, in two short pages. The first holds the name, category, photo (one file, or removing it)
// and the three policies; the description (up to 5,000 characters) has a page of its own
// (…/manage/description), so that changing a policy neither downloads nor re-sends it — a handset's
// text box may not hold it whole. Each page sends its fields; the others are the stored values, and
// the whole is checked by the PC form (CommunityEditForm) and saved by the PC service
// (updateCommunity: the manager rule under the community lock, the photo store). Who may: the
// owner and the sub-managers (managedCommunity: 404 for anyone else, and while staff suspend it).

/** The fields of the first page; the description is the second's. */
const MAIN_FIELDS = ['name', 'category', 'join_policy', 'board_visibility', 'topic_creation', 'remove_photo'] as const;

/** The stored settings, as the form's fields. */
function storedFields(c: CommunityView): Record<string, unknown> {
  return {
    name: c.name,
    category: c.category,
    description: c.description,
    join_policy: c.join_policy,
    board_visibility: c.board_visibility,
    topic_creation: c.topic_creation,
  };
}

/** Only the named fields of a posted body (a handset's form may carry others). */
function pick(body: unknown, names: readonly string[]): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(names.filter((n) => b[n] !== undefined).map((n) => [n, b[n]]));
}

export function mobileCommunitySettingsHandlers(ctx: AppContext) {
  function settingsPage(
    req: Request,
    res: Response,
    community: CommunityView,
    status = 200,
    values: Record<string, unknown> = storedFields(community),
    errors: FieldErrors = {},
  ) {
    communityPage(
      req,
      res,
      'manage-settings',
      community,
      {
        title: req.t('communities.manage.settings'),
        values: { ...values, photo_id: community.photo_id },
        errors,
        ...SETTINGS_CHOICES,
        // The description is only named here, cut short; it is edited on its own page.
        description: community.description,
      },
      status,
    );
  }

  function descriptionPage(
    req: Request,
    res: Response,
    community: CommunityView,
    status = 200,
    values: Record<string, unknown> = { description: community.description },
    errors: FieldErrors = {},
  ) {
    communityPage(
      req,
      res,
      'manage-description',
      community,
      { title: req.t('communities.manage.editDescription'), values, errors },
      status,
    );
  }

  /** Checks the stored settings with `changes` over them and saves them; a refusal is the page again (422). */
  async function save(
    req: Request,
    res: Response,
    community: CommunityView,
    changes: Record<string, unknown>,
    again: (status: number, errors: FieldErrors) => void,
  ) {
    const form = CommunityEditForm.safeParse({ ...storedFields(community), ...changes });
    const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), (reason) => `photos.error.${reason}`);
    if (!form.success || Object.keys(errors).length) return again(422, errors);
    const photo = uploadedFiles(req)[0]?.buffer ?? null;
    const result = await updateCommunity(ctx, {
      communityId: community.id,
      actorId: req.member!.id,
      form: form.data,
      photo,
      at: ctx.clock.now(),
    });
    if (!result.ok) {
      if (result.reason === 'not_manager') throw notFound();
      return again(refusalStatus(result), { photo: photoError(result.photoReason) });
    }
    redirectWith(req, res, `/m/communities/${community.id}/manage`, req.t('communities.manage.saved'));
  }

  return {
    async show(req: Request, res: Response) {
      settingsPage(req, res, await managedCommunity(ctx, req));
    },

    /** The first page sent (multipart: one photo). */
    async update(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const changes = pick(req.body, MAIN_FIELDS);
      await save(req, res, community, changes, (status, errors) => {
        // A field the form checks but this page does not show (the stored description grown past a limit) is said on top.
        const shown = Object.fromEntries(Object.entries(errors).filter(([k]) => k !== 'description'));
        settingsPage(
          req,
          res,
          community,
          status,
          { ...storedFields(community), ...changes },
          errors.description && !Object.keys(shown).length ? { _form: errors.description } : shown,
        );
      });
    },

    async showDescription(req: Request, res: Response) {
      descriptionPage(req, res, await managedCommunity(ctx, req));
    },

    async updateDescription(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const changes = pick(req.body, ['description']);
      if (changes.description === undefined) changes.description = '';
      await save(req, res, community, changes, (status, errors) => {
        const shown: FieldErrors = errors.description
          ? { description: errors.description }
          : { _form: Object.values(errors)[0] ?? 'form.errorSummary' };
        descriptionPage(req, res, community, status, changes, shown);
      });
    },
  };
}
