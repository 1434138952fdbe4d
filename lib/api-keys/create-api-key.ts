import { createHash, randomBytes } from "node:crypto";
import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { parseOrThrow } from "#lib/validation";
import { createApiKeyInput, toPublicApiKey, type CreateApiKeyInput, type PublicApiKey } from "./schemas";

const KEY_PREFIX = "cak_";
const VISIBLE_LENGTH = KEY_PREFIX.length + 8;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface CreatedApiKey extends PublicApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
}

/** Makes a key for a user (the CLI names them by address); it expires after `expiresInDays` (default 90). */
export async function createApiKey(
  db: Db,
  input: CreateApiKeyInput & ({ userId: string } | { email: string }),
  actor: { id: string | null; ip?: string | null },
): Promise<CreatedApiKey> {
  const { name, expiresInDays } = parseOrThrow(createApiKeyInput, { name: input.name, expiresInDays: input.expiresInDays });
  const user =
    "userId" in input
      ? await db.user.findUnique({ where: { id: input.userId } })
      : await db.user.findUnique({ where: { email: input.email.toLowerCase() } });
  if (!user) throw new AppError("not_found", "email" in input ? `No user with the address ${input.email}` : "No such user");
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = key.slice(0, VISIBLE_LENGTH);
  const row = await db.apiKey.create({
    data: { userId: user.id, name, prefix, hash: hashApiKey(key), expiresAt: new Date(Date.now() + expiresInDays * 86_400_000) },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "api_key.create",
    targetType: "api_key",
    targetId: row.id,
    details: { userId: user.id, prefix, name, expiresAt: row.expiresAt!.toISOString() },
    ip: actor.ip,
  });
  return { ...toPublicApiKey(row), key };
}
