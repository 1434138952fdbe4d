import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { appendSentCopies } from "#lib/outbound/append-sent-copies";
import { appendSentCopiesJob } from "#lib/queue/contracts";
import { handleJob } from "./job-handler";

export const appendSentCopiesHandler = handleJob(appendSentCopiesJob, async ({ emailAccountId }) => {
  const result = await appendSentCopies(db(), emailAccountId);
  if (result.appended + result.failed > 0) logger.info({ emailAccountId, ...result }, "sent copies appended");
});
