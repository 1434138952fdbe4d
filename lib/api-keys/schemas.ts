import { z } from "zod";
import { UNKNOWN_FIELDS } from "#lib/validation";

/** How long a new key lives unless its maker says otherwise, and the longest it may. */
export const DEFAULT_API_KEY_DAYS = 90;
export const MAX_API_KEY_DAYS = 730;

export const createApiKeyInput = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").default("API key"),
  expiresInDays: z.coerce
    .number()
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(MAX_API_KEY_DAYS, `must be at most ${MAX_API_KEY_DAYS} days`)
    .default(DEFAULT_API_KEY_DAYS),
}, UNKNOWN_FIELDS);
export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

/** What the API and pages show of a key: never the key or its hash. */
export interface PublicApiKey {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** active, expired or revoked. */
  status: "active" | "expired" | "revoked";
}

export function toPublicApiKey(row: {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): PublicApiKey {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status: row.revokedAt ? "revoked" : row.expiresAt && row.expiresAt.getTime() <= Date.now() ? "expired" : "active",
  };
}
