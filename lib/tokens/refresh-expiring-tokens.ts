import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import { getAccessToken } from "./get-access-token";
import { APP_PRINCIPAL } from "./token-columns";

export const EXPIRING_WITHIN_MS = 15 * 60 * 1000;
/** Refresh tokens die unused (Microsoft 90 days, Google 6 months or 7 days in "Testing"): use them daily. */
export const IDLE_AFTER_MS = 24 * 60 * 60 * 1000;

export interface SweepResult {
  refreshed: number;
  failed: number;
}

/**
 * The background sweep (docs/architecture.md, token rule 7): refreshes active connections that
 * expire within 15 minutes or were not refreshed for a day. A connection that
 * keeps failing transiently is retried with exponential backoff (30 s × 2^n,
 * at most an hour), never marked needs_reauth for it.
 */
export async function refreshExpiringTokens(db: Db, limit = 200): Promise<SweepResult> {
  const due = await db.$queryRaw<{ connected_app_id: string; principal_key: string; user_id: string | null; idle: boolean }[]>`
    SELECT connected_app_id::text, principal_key, user_id::text,
           (last_refreshed_at IS NULL OR last_refreshed_at < now() - make_interval(secs => ${IDLE_AFTER_MS / 1000})) AS idle
      FROM token_cache
     WHERE status = 'active'
       AND (refresh_token_sealed IS NOT NULL OR principal_key = ${APP_PRINCIPAL})
       -- A disabled user's tokens are left alone: nothing uses them, and a provider need not be asked.
       AND (user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.enabled))
       AND (expires_at < now() + make_interval(secs => ${EXPIRING_WITHIN_MS / 1000})
            OR last_refreshed_at IS NULL OR last_refreshed_at < now() - make_interval(secs => ${IDLE_AFTER_MS / 1000}))
       AND (refreshing_until IS NULL OR refreshing_until < now())
       AND updated_at < now() - make_interval(secs => LEAST(3600, 30 * power(2, LEAST(consecutive_failures, 10)) - 30))
     ORDER BY expires_at NULLS FIRST
     LIMIT ${limit}`;
  let refreshed = 0;
  let failed = 0;
  for (const row of due) {
    try {
      await getAccessToken(db, row.connected_app_id, row.user_id, {
        minValidityMs: row.idle ? Number.POSITIVE_INFINITY : EXPIRING_WITHIN_MS,
      });
      refreshed++;
    } catch (error) {
      failed++;
      if (!(error instanceof AppError)) throw error;
      logger.info({ connectedAppId: row.connected_app_id, code: error.code }, "background refresh did not succeed");
    }
  }
  return { refreshed, failed };
}
