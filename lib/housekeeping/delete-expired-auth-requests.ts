import type { Db } from "#lib/db";

/** Pending authorizations live 10 minutes; keep an hour for diagnosis, then drop them. */
export async function deleteExpiredAuthRequests(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.authRequest.deleteMany({
    where: { expiresAt: { lt: new Date(now.getTime() - 60 * 60 * 1000) } },
  });
  return count;
}
