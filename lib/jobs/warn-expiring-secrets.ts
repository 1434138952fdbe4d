import { z } from "zod";
import { db } from "#lib/db";
import { warnExpiringSecrets } from "#lib/connected-apps/warn-expiring-secrets";
import { defineJob } from "./define-job";

export const warnExpiringSecretsJob = defineJob({
  name: "warn-expiring-secrets",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 300, retryLimit: 2 },
  cron: "0 8 * * *",
  async handle() {
    await warnExpiringSecrets(db());
  },
});
