import { z } from "zod";
import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { refreshExpiringTokens } from "#lib/tokens/refresh-expiring-tokens";
import { defineJob } from "./define-job";

export const refreshTokensJob = defineJob({
  name: "refresh-tokens",
  payload: z.object({}).passthrough(),
  // One sweep at a time across workers; a sweep of 200 slow providers (10 s each) fits in the expiry.
  queue: { policy: "singleton", expireInSeconds: 2_400, retryLimit: 0 },
  cron: "* * * * *",
  async handle() {
    const result = await refreshExpiringTokens(db());
    if (result.refreshed + result.failed > 0) logger.info(result, "token refresh sweep");
  },
});
