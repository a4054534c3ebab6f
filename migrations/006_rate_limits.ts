import type { Knex } from 'knex';

// The table rate-limiter-flexible's RateLimiterPostgres uses, created here so that every app
// process shares it and none creates it on the fly.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE rate_limits (
      key    varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    )`);
  await knex.raw('CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE rate_limits');
}
