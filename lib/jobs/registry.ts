import { housekeepingJob } from "./housekeeping";
import { refreshTokensJob } from "./refresh-tokens";
import { warnExpiringSecretsJob } from "./warn-expiring-secrets";

/** Every job the worker runs. */
export const jobs = [housekeepingJob, refreshTokensJob, warnExpiringSecretsJob];
