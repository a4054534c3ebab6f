import type { Knex } from 'knex';
import { addHiddenColumns, dropHiddenColumns } from './040_diary_hiding.js';

// Staff hiding of communities (a hidden community is a suspended one: its board is closed), topics
// and topic comments. Same columns and rule as 040.
const TABLES = ['communities', 'community_topics', 'community_comments'];
export const up = (knex: Knex) => addHiddenColumns(knex, TABLES);
export const down = (knex: Knex) => dropHiddenColumns(knex, TABLES);
