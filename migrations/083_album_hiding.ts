import type { Knex } from 'knex';
import { addHiddenColumns, dropHiddenColumns } from './040_diary_hiding.js';

// Staff hiding of albums and their comments (src/features/albums/CONTEXT.md), the columns diaries
// have (040): who hid it and when is in the audit log.
const TABLES = ['albums', 'album_comments'];
export const up = (knex: Knex) => addHiddenColumns(knex, TABLES);
export const down = (knex: Knex) => dropHiddenColumns(knex, TABLES);
