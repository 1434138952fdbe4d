import PgBoss from "pg-boss";
import type { z } from "zod";
import type { JobHandler } from "#lib/jobs/job-handler";
import { parseOrThrow } from "#lib/validation";

/**
 * Runs the queued jobs of one handler, as the worker would, until its queue
 * is empty; returns how many ran. Tests use it instead of a whole job runner,
 * whose cron jobs (the outbound sweep, the token sweep) would act on their
 * own while the test looks.
 */
export async function runQueuedJobs<S extends z.ZodType>(databaseUrl: string, handler: JobHandler<S>): Promise<number> {
  const { contract } = handler;
  const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false, max: 1 });
  await boss.start();
  let ran = 0;
  try {
    await boss.createQueue(contract.name, { name: contract.name, ...contract.queue });
    for (;;) {
      const jobs = await boss.fetch<object>(contract.name, { batchSize: 10 });
      if (jobs.length === 0) return ran;
      for (const job of jobs) {
        await handler.handle(parseOrThrow(contract.payload, job.data));
        await boss.complete(contract.name, job.id);
        ran++;
      }
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
