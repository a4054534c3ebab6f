import type { Knex } from 'knex';
import { migrations } from '../../migrations/index.js';

const source: Knex.MigrationSource<[string, (typeof migrations)[number][1]]> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m[0],
  getMigration: async (m) => m[1],
};

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: source });
  return applied as string[];
}

export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource: source }, true);
}

export type MigrationStatus = {
  applied: { name: string; batch: number; at: Date }[];
  /** In this code, not yet in the database: the server applies them when it starts. */
  pending: string[];
  /** In the database, unknown to this code: the database was migrated by a newer version. */
  unknown: string[];
};

export async function migrationStatus(db: Knex): Promise<MigrationStatus> {
  const known = migrations.map(([name]) => name);
  const applied = (await db.schema.hasTable('knex_migrations'))
    ? ((await db('knex_migrations')
        .select('name', 'batch', 'migration_time as at')
        .orderBy('id')) as MigrationStatus['applied'])
    : [];
  const done = new Set(applied.map((m) => m.name));
  return {
    applied,
    pending: known.filter((n) => !done.has(n)),
    unknown: applied.map((m) => m.name).filter((n) => !known.includes(n)),
  };
}

export type RollbackResult =
  { ok: true; name: string } | { ok: false; reason: 'none' | 'not_last' | 'unknown' | 'locked'; last?: string };

/**
 * Undoes the last applied migration, only when the caller names it (a typed confirmation), in one
 * transaction with `record` (the audit row): the schema change, its knex_migrations row and the
 * record commit together. Holds knex's migration lock meanwhile, so a server starting up cannot
 * migrate underneath.
 */
export async function rollbackLastMigration(
  db: Knex,
  name: string,
  record: (trx: Knex.Transaction) => Promise<void>,
): Promise<RollbackResult> {
  return db.transaction(async (trx) => {
    const last = await trx('knex_migrations').select('id', 'name').orderBy('id', 'desc').first();
    if (!last) return { ok: false, reason: 'none' };
    if (last.name !== name) return { ok: false, reason: 'not_last', last: last.name };
    const migration = migrations.find(([n]) => n === last.name);
    if (!migration) return { ok: false, reason: 'unknown', last: last.name };
    const locked = await trx('knex_migrations_lock').where({ is_locked: 0 }).update({ is_locked: 1 });
    if (locked !== 1) return { ok: false, reason: 'locked' };
    await migration[1].down(trx);
    await trx('knex_migrations').where({ id: last.id }).delete();
    await record(trx);
    await trx('knex_migrations_lock').update({ is_locked: 0 });
    return { ok: true, name: last.name };
  });
}
