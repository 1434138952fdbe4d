import type PgBoss from "pg-boss";
import type { z } from "zod";

/**
 * A job: its queue name, the zod schema of its payload and its handler
 * (which calls lib/<domain>). Queue options are set per queue because
 * pg-boss 10's default expiry (15 min) retries a handler that is still running.
 */
export interface JobDefinition<S extends z.ZodType> {
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
  handle(payload: z.infer<S>): Promise<void>;
}

export function defineJob<S extends z.ZodType>(job: JobDefinition<S>): JobDefinition<S> {
  return job;
}
