import type PgBoss from 'pg-boss';
import { logFor } from '../lib/log.js';

export const jobLog = logFor('jobs');

/**
 * A job handler whose failures are logged with the queue's name and the job's id, then thrown again
 * for pg-boss to retry. Never the job's data: it leads to a phone number (an SMS) or a member's feed.
 */
export function loggingFailures<T, R>(queue: string, handler: (jobs: PgBoss.Job<T>[]) => Promise<R>) {
  return async (jobs: PgBoss.Job<T>[]): Promise<R> => {
    try {
      return await handler(jobs);
    } catch (err) {
      jobLog.warn({ job: queue, jobId: jobs.map((j) => j.id).join(','), err }, `${queue} failed`);
      throw err;
    }
  };
}
