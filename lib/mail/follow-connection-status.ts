import type { Db } from "#lib/db";
import { notify } from "#lib/notifications/notify";
import { OWNER_PAUSE_PREFIX } from "./follow-owner-status";

/** Reasons starting with this pause both sides for the connection; a reconnect lifts exactly these. */
export const CONNECTION_PAUSE_PREFIX = "Reconnect needed: ";

/**
 * Makes mail accounts follow their OAuth connection (docs/architecture.md,
 * token rules 4 and 5):
 * accounts whose connection needs reauthorisation or was disconnected pause
 * both sides; once the connection is active again (a reconnect updates the
 * same row), the sides paused for it resume. Run on every worker heartbeat,
 * so it needs no event that could be lost; lib/tokens stays unaware of mail.
 */
export async function followConnectionStatus(db: Db): Promise<{ paused: number; resumed: number }> {
  const paused = await db.$queryRaw<{ id: string; owner_id: string; email_address: string; provider_name: string }[]>`
    UPDATE email_accounts a
       SET incoming_status = 'paused', outgoing_status = 'paused',
           incoming_paused_reason = ${CONNECTION_PAUSE_PREFIX} || 'the ' || c.provider_name || ' connection ' ||
             CASE WHEN t.status = 'disconnected' THEN 'was disconnected' ELSE 'no longer works' END || '. Reconnect it under My connections.',
           outgoing_paused_reason = ${CONNECTION_PAUSE_PREFIX} || 'the ' || c.provider_name || ' connection ' ||
             CASE WHEN t.status = 'disconnected' THEN 'was disconnected' ELSE 'no longer works' END || '. Reconnect it under My connections.',
           updated_at = now()
      FROM token_cache t JOIN connected_apps c ON c.id = t.connected_app_id
     WHERE a.auth_method = 'oauth'
       AND t.connected_app_id = a.connected_app_id
       AND t.principal_key = CASE WHEN a.service_principal THEN 'app' ELSE a.connected_user_id::text END
       AND t.status IN ('needs_reauth', 'disconnected')
       AND NOT (a.incoming_status = 'paused' AND a.outgoing_status = 'paused'
                AND a.incoming_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%')
       -- A pause for a disabled user (follow-owner-status.ts) stays until the user is enabled.
       AND COALESCE(a.incoming_paused_reason, '') NOT LIKE ${OWNER_PAUSE_PREFIX} || '%'
    RETURNING a.id::text, a.owner_id::text, a.email_address, c.provider_name`;
  for (const account of paused) {
    await notify(db, {
      userId: account.owner_id,
      kind: "email_account.connection_paused",
      title: `Mail paused for ${account.email_address}`,
      body: `Reading and sending are paused until you reconnect your ${account.provider_name} account under My connections.`,
      link: `/email-accounts/${account.id}`,
    });
  }
  const resumed = await db.$executeRaw`
    UPDATE email_accounts a
       SET incoming_status = CASE WHEN a.incoming_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%' THEN 'active' ELSE a.incoming_status END,
           outgoing_status = CASE WHEN a.outgoing_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%' THEN 'active' ELSE a.outgoing_status END,
           incoming_paused_reason = CASE WHEN a.incoming_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%' THEN NULL ELSE a.incoming_paused_reason END,
           outgoing_paused_reason = CASE WHEN a.outgoing_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%' THEN NULL ELSE a.outgoing_paused_reason END,
           incoming_failures = 0, outgoing_failures = 0, updated_at = now()
      FROM token_cache t
     WHERE a.auth_method = 'oauth'
       AND t.connected_app_id = a.connected_app_id
       AND t.principal_key = CASE WHEN a.service_principal THEN 'app' ELSE a.connected_user_id::text END
       AND t.status = 'active'
       AND (a.incoming_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%' OR a.outgoing_paused_reason LIKE ${CONNECTION_PAUSE_PREFIX} || '%')`;
  return { paused: paused.length, resumed };
}
