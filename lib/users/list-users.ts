import type { Db } from "#lib/db";
import { toPublicUser, type PublicUser } from "./schemas";

export async function listUsers(db: Db): Promise<PublicUser[]> {
  const users = await db.user.findMany({ orderBy: { createdAt: "asc" } });
  return users.map(toPublicUser);
}
