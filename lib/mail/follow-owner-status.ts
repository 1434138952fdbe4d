import type { Db } from "#lib/db";

/** Reasons starting with this pause both sides while the account's owner (or the user whose connection it uses) is disabled. */
export const OWNER_PAUSE_PREFIX = "User disabled: ";

/**
 * Makes mail accounts follow their people: while the account's owner, or
 * the user whose connection it signs in with, is disabled, both sides pause
 * (nothing is synced, the outbound queue holds); once they are enabled
 * again, the sides paused for it resume. Run on every worker heartbeat
 * before followConnectionStatus, whose pause does not override this one.
 */
export async function followOwnerStatus(db: Db): Promise<{ paused: number; resumed: number }> {
  const paused = await db.$executeRaw`
    UPDATE email_accounts a
       SET incoming_status = 'paused', outgoing_status = 'paused',
           incoming_paused_reason = ${OWNER_PAUSE_PREFIX} || u.email || ' is disabled. An admin can enable them under Users.',
           outgoing_paused_reason = ${OWNER_PAUSE_PREFIX} || u.email || ' is disabled. An admin can enable them under Users.',
           updated_at = now()
      FROM users u
     WHERE u.id = COALESCE(
             (SELECT o.id FROM users o WHERE o.id = a.owner_id AND NOT o.enabled),
             (SELECT c.id FROM users c WHERE c.id = a.connected_user_id AND NOT c.enabled))
       AND NOT (a.incoming_status = 'paused' AND a.outgoing_status = 'paused'
                AND a.incoming_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%'
                AND a.outgoing_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%')`;
  const resumed = await db.$executeRaw`
    UPDATE email_accounts a
       SET incoming_status = CASE WHEN a.incoming_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%' THEN 'active' ELSE a.incoming_status END,
           outgoing_status = CASE WHEN a.outgoing_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%' THEN 'active' ELSE a.outgoing_status END,
           incoming_paused_reason = CASE WHEN a.incoming_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%' THEN NULL ELSE a.incoming_paused_reason END,
           outgoing_paused_reason = CASE WHEN a.outgoing_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%' THEN NULL ELSE a.outgoing_paused_reason END,
           updated_at = now()
     WHERE (a.incoming_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%' OR a.outgoing_paused_reason LIKE ${OWNER_PAUSE_PREFIX} || '%')
       AND EXISTS (SELECT 1 FROM users o WHERE o.id = a.owner_id AND o.enabled)
       AND (a.connected_user_id IS NULL OR EXISTS (SELECT 1 FROM users c WHERE c.id = a.connected_user_id AND c.enabled))`;
  return { paused, resumed };
}
