import type PgBoss from "pg-boss";
import type { z } from "zod";

/**
 * What a job is, apart from what it does: its queue name, the zod schema of
 * its payload and its queue options. Code that queues a job imports only this
 * (lib/queue/contracts.ts); the handlers live in lib/jobs/ and only the
 * worker loads them, so a web route that queues mail does not load nodemailer.
 * Queue options are set per queue because pg-boss 10's default expiry
 * (15 min) retries a handler that is still running.
 */
export interface JobContract<S extends z.ZodType> {
  name: string;
  payload: S;
  queue: Omit<PgBoss.Queue, "name">;
  /** Cron expression when the job runs on a schedule. */
  cron?: string;
  /**
   * How a worker process takes these jobs: `concurrency` parallel fetch loops,
   * each polling every `pollingIntervalSeconds` (pg-boss's default, 2 s, is slow
   * for jobs a user waits on, like sending). Default: one loop, 2 s.
   */
  work?: { concurrency: number; pollingIntervalSeconds: number };
}

export function defineJobContract<S extends z.ZodType>(contract: JobContract<S>): JobContract<S> {
  return contract;
}
