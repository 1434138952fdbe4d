import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { deleteOldRateLimitCounters } from "#lib/auth/sign-in-limits";
import { deleteExpiredAuthRequests } from "#lib/housekeeping/delete-expired-auth-requests";
import { forgetSilentMailWorkers } from "#lib/mail/list-mail-workers";
import { housekeepingJob } from "#lib/queue/contracts";
import { handleJob } from "./job-handler";

export const housekeeping = handleJob(housekeepingJob, async () => {
  const removed = await deleteExpiredAuthRequests(db());
  if (removed > 0) logger.info({ removed }, "deleted expired authorization requests");
  await deleteOldRateLimitCounters(db());
  const forgotten = await forgetSilentMailWorkers(db());
  if (forgotten > 0) logger.info({ forgotten }, "forgot mail workers silent for a day");
});
