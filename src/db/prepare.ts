import { createDb } from './knex.js';
import { migrateLatest } from './migrate.js';
import { keepAppRole } from './roles.js';
import { prepareJobSchema } from '../jobs/queues.js';

// Everything the database's owner does before the app connects: the migrations, the job queue's
// schema and queues, and the app's role with its grants (src/db/roles.ts). The server runs it at
// every start; `npm test` once, on its template database.

export type PreparedDatabase = { applied: string[]; appUrl: string };

export async function prepareDatabase(ownerUrl: string, opts: { appUrl?: string; secret: string }): Promise<PreparedDatabase> {
  const owner = createDb(ownerUrl, { max: 1, applicationName: 'ashiato-owner' });
  try {
    const applied = await migrateLatest(owner);
    await prepareJobSchema(ownerUrl);
    const appUrl = await keepAppRole(owner, { ownerUrl, appUrl: opts.appUrl, secret: opts.secret });
    return { applied, appUrl };
  } finally {
    await owner.destroy();
  }
}
