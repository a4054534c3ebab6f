import type { Knex } from 'knex';
import { addHiddenColumns, dropHiddenColumns } from './040_diary_hiding.js';

// Staff hiding of a reported message: both sides' copies show the notice instead of its text.
const TABLES = ['messages'];
export const up = (knex: Knex) => addHiddenColumns(knex, TABLES);
export const down = (knex: Knex) => dropHiddenColumns(knex, TABLES);
