import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "./password";
import type { Role } from "#lib/generated/prisma/enums";

export const MAX_FAILED_SIGN_INS_PER_MINUTE = 10;
const GENERIC_FAILURE = "Wrong email or password";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/**
 * Refuses an address that failed 10 times in the last minute. Counted from
 * the audit trail in PostgreSQL, so every web process shares the limit.
 */
export async function assertSignInAllowed(db: Db, email: string): Promise<void> {
  const failures = await db.auditEvent.count({
    where: {
      action: "sign_in_failed",
      targetId: email.trim().toLowerCase(),
      createdAt: { gt: new Date(Date.now() - 60_000) },
    },
  });
  if (failures >= MAX_FAILED_SIGN_INS_PER_MINUTE) {
    throw new AppError("rate_limited", "Too many failed sign-ins for this address: wait a minute and try again");
  }
}

/**
 * Checks an email and password. Unknown address, wrong password and disabled
 * user fail alike, with the same message and about the same time.
 */
export async function verifyCredentials(
  db: Db,
  input: { email: string; password: string; ip?: string | null },
): Promise<SignedInUser> {
  const email = input.email.trim().toLowerCase();
  await assertSignInAllowed(db, email);
  const user = await db.user.findUnique({ where: { email } });
  const passwordMatches = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !user.enabled || !passwordMatches) {
    await recordAuditEvent(db, {
      actorId: user?.id ?? null,
      action: "sign_in_failed",
      targetType: "email",
      targetId: email,
      details: { reason: !user ? "unknown_user" : !user.enabled ? "disabled" : "wrong_password" },
      ip: input.ip,
    });
    throw new AppError("unauthorized", GENERIC_FAILURE);
  }
  await recordAuditEvent(db, {
    actorId: user.id,
    action: "sign_in",
    targetType: "user",
    targetId: user.id,
    details: { method: "password" },
    ip: input.ip,
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
