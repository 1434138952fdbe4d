import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { toPublicApiKey, type PublicApiKey } from "./schemas";

/**
 * Revokes a key at once: its next request is refused. Its owner or an admin
 * may (the CLI acts as an admin); anyone else is told there is no such key.
 */
export async function revokeApiKey(
  db: Db,
  target: { id: string } | { prefix: string },
  actor: { id: string | null; role: "admin" | "user"; ip?: string | null },
): Promise<PublicApiKey> {
  const key = "id" in target ? await db.apiKey.findUnique({ where: { id: target.id } }) : await db.apiKey.findFirst({ where: { prefix: target.prefix } });
  if (!key || (actor.role !== "admin" && key.userId !== actor.id)) throw new AppError("not_found", "No such API key");
  const row = key.revokedAt ? key : await db.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  if (!key.revokedAt) {
    await recordAuditEvent(db, {
      actorId: actor.id,
      action: "api_key.revoke",
      targetType: "api_key",
      targetId: key.id,
      details: { userId: key.userId, prefix: key.prefix },
      ip: actor.ip,
    });
  }
  return toPublicApiKey(row);
}
