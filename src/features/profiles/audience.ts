import type { Knex } from 'knex';
import { groupsOf } from '../friends/groups-queries.js';

// A profile field's audience may be one of the member's friend groups (migration 082): the form's
// value 'group:<id>' is stored as `<field>_visibility = 'group'` and `<field>_audience_group_id`.
// profileFieldVisibleSql (queries.ts) lets the group's members through; deleting the group turns
// the field to 'only_me' (friends/groups-service.ts, deleteFriendGroup).

export const PROFILE_VISIBILITY_FIELDS = [
  'gender',
  'prefecture',
  'age',
  'birthday',
  'hobbies',
  'occupation',
  'self_introduction',
  'real_name',
] as const;

/** The form's values as stored: each `<field>_visibility` present, with its audience group column. */
export function profileVisibilityColumns(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const f of PROFILE_VISIBILITY_FIELDS) {
    const v = values[`${f}_visibility`];
    if (typeof v !== 'string') continue;
    const group = v.startsWith('group:') ? Number(v.slice(6)) : null;
    out[`${f}_visibility`] = group ? 'group' : v;
    out[`${f}_audience_group_id`] = group;
  }
  return out;
}

/** The stored row as the form shows it: 'group:<id>' for a field shown to a group. */
export function profileVisibilityValues(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const f of PROFILE_VISIBILITY_FIELDS) {
    if (row[`${f}_visibility`] === 'group') out[`${f}_visibility`] = `group:${row[`${f}_audience_group_id`]}`;
    delete out[`${f}_audience_group_id`];
  }
  return out;
}

/** A 'group:<id>' that is not one of the member's groups is refused next to its field. */
export async function profileAudienceErrors(
  db: Knex,
  memberId: number,
  values: Record<string, unknown>,
): Promise<Record<string, string>> {
  const mine = new Set((await groupsOf(db, memberId)).map((g) => `group:${g.id}`));
  const errors: Record<string, string> = {};
  for (const f of PROFILE_VISIBILITY_FIELDS) {
    const v = values[`${f}_visibility`];
    if (typeof v === 'string' && v.startsWith('group:') && !mine.has(v))
      errors[`${f}_visibility`] = 'validation.visibility.invalid';
  }
  return errors;
}
