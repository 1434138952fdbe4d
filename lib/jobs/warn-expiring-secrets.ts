import { db } from "#lib/db";
import { warnExpiringSecrets as warnAdmins } from "#lib/connected-apps/warn-expiring-secrets";
import { warnExpiringSecretsJob } from "#lib/queue/contracts";
import { handleJob } from "./job-handler";

export const warnExpiringSecrets = handleJob(warnExpiringSecretsJob, async () => {
  await warnAdmins(db());
});
