import type { Db } from "#lib/db";
import { toPublicApiKey, type PublicApiKey } from "./schemas";

/** A user's keys, newest first; for an admin without `userId`, everyone's. */
export async function listApiKeys(db: Db, caller: { id: string; role: string }, userId?: string): Promise<PublicApiKey[]> {
  const owner = caller.role === "admin" ? userId : caller.id;
  const rows = await db.apiKey.findMany({ where: owner ? { userId: owner } : {}, orderBy: { createdAt: "desc" }, take: 500 });
  return rows.map(toPublicApiKey);
}
