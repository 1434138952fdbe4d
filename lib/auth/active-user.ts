import type { Db } from "#lib/db";
import { hashApiKey } from "#lib/api-keys/create-api-key";
import type { SignedInUser } from "./sign-in";

/**
 * Re-reads the user on every request: a JWT session or API key of a user who
 * was since disabled, deleted or demoted must not keep its old rights. A
 * session also names the session version it was issued at: sign-out, a
 * password or role change and disabling the user move the user's version on,
 * and every session issued before that is over.
 */
export async function findActiveUser(db: Db, userId: string, sessionVersion?: number): Promise<SignedInUser | null> {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user || !user.enabled) return null;
  if (sessionVersion !== undefined && sessionVersion !== user.sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** Ends every session of the user issued so far (sign-out ends them on every device). */
export async function endSessions(db: Db, userId: string): Promise<void> {
  await db.user.updateMany({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}

/**
 * The user an API key acts for, checked on every request in one statement:
 * the key is known, not revoked, not expired, and its user exists and is
 * enabled. The token API answers in about two database round trips this way
 * (this one and the token's), not four.
 */
export async function findUserByApiKey(db: Db, key: string): Promise<SignedInUser | null> {
  const rows = await db.$queryRaw<{ key_id: string; last_used_at: Date | null; id: string; email: string; name: string; role: SignedInUser["role"] }[]>`
    SELECT k.id::text AS key_id, k.last_used_at, u.id::text AS id, u.email, u.name, u.role::text AS role
      FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.hash = ${hashApiKey(key)} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND u.enabled`;
  const row = rows[0];
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    // Once a minute is enough to show "last used" without a write per request.
    await db.apiKey.update({ where: { id: row.key_id }, data: { lastUsedAt: new Date() } });
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}
