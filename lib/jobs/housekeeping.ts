import { z } from "zod";
import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { deleteExpiredAuthRequests } from "#lib/housekeeping/delete-expired-auth-requests";
import { defineJob } from "./define-job";

export const housekeepingJob = defineJob({
  name: "housekeeping",
  payload: z.object({}).passthrough(),
  // One run at a time across all workers; it finishes in well under a minute.
  queue: { policy: "singleton", expireInSeconds: 300, retryLimit: 2 },
  cron: "*/10 * * * *",
  async handle() {
    const removed = await deleteExpiredAuthRequests(db());
    if (removed > 0) logger.info({ removed }, "deleted expired authorization requests");
  },
});
