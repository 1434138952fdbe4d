import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { refreshTokensJob } from "#lib/queue/contracts";
import { refreshExpiringTokens } from "#lib/tokens/refresh-expiring-tokens";
import { handleJob } from "./job-handler";

export const refreshTokens = handleJob(refreshTokensJob, async () => {
  const result = await refreshExpiringTokens(db());
  if (result.refreshed + result.failed > 0) logger.info(result, "token refresh sweep");
});
