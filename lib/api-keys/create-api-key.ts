import { createHash, randomBytes } from "node:crypto";
import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";

const KEY_PREFIX = "cak_";
const VISIBLE_LENGTH = KEY_PREFIX.length + 8;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface CreatedApiKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
}

export async function createApiKey(
  db: Db,
  input: { email: string; name?: string },
  actor: { id: string | null; ip?: string | null },
): Promise<CreatedApiKey> {
  const user = await db.user.findUnique({ where: { email: input.email.toLowerCase() } });
  if (!user) throw new AppError("not_found", `No user with the address ${input.email}`);
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = key.slice(0, VISIBLE_LENGTH);
  const row = await db.apiKey.create({
    data: { userId: user.id, name: input.name ?? "API key", prefix, hash: hashApiKey(key) },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "api_key.create",
    targetType: "api_key",
    targetId: row.id,
    details: { userId: user.id, prefix },
    ip: actor.ip,
  });
  return { id: row.id, key, prefix };
}
