import type { Db } from "#lib/db";
import type { Prisma } from "#lib/generated/prisma/client";

export interface AuditEventInput {
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
}

// Audit rows are kept for years and read by many: no secret may enter them,
// even by a caller's mistake.
const SECRET_KEY = /pass|secret|token|key|authorization|cookie|verifier/i;

function withoutSecrets(details: Record<string, unknown>): Prisma.InputJsonObject {
  const clean: Record<string, Prisma.InputJsonValue> = {};
  for (const [key, value] of Object.entries(details)) {
    if (SECRET_KEY.test(key) || value === undefined) continue;
    clean[key] = value as Prisma.InputJsonValue;
  }
  return clean;
}

export async function recordAuditEvent(db: Db, event: AuditEventInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorId: event.actorId ?? null,
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      details: withoutSecrets(event.details ?? {}),
      ip: event.ip ?? null,
    },
  });
}
