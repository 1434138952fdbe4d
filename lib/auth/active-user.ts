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

export async function findUserByApiKey(db: Db, key: string): Promise<SignedInUser | null> {
  const apiKey = await db.apiKey.findUnique({ where: { hash: hashApiKey(key) } });
  if (!apiKey || apiKey.revokedAt || (apiKey.expiresAt && apiKey.expiresAt.getTime() <= Date.now())) return null;
  const user = await findActiveUser(db, apiKey.userId);
  if (user && (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > 60_000)) {
    // Once a minute is enough to show "last used" without a write per request.
    await db.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
  }
  return user;
}
