import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { DUMMY_PASSWORD_HASH, PASSWORD_MAX_LENGTH, verifyPassword } from "./password";
import { admitSignIn, SIGN_IN_LIMITS } from "./sign-in-limits";
import type { Role } from "#lib/generated/prisma/enums";

/** Failed sign-ins allowed per account and address in a minute (lib/auth/sign-in-limits.ts). */
export const MAX_FAILED_SIGN_INS_PER_MINUTE = SIGN_IN_LIMITS.perAccountAndAddress;
const GENERIC_FAILURE = "Wrong email or password";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** A signed-in user and the session version their session is issued at. */
export interface VerifiedUser extends SignedInUser {
  sessionVersion: number;
}

/**
 * Checks an email and password. The attempt is counted against the sign-in
 * limits before the password is hashed (rate_limited past them). Unknown
 * address, wrong password and disabled user fail alike, with the same
 * message and about the same time.
 */
export async function verifyCredentials(
  db: Db,
  input: { email: string; password: string; ip?: string | null },
): Promise<VerifiedUser> {
  const email = input.email.trim().toLowerCase();
  const admission = await admitSignIn(db, email, input.ip ?? null);
  if (admission.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, admission.delayMs));
  const user = await db.user.findUnique({ where: { email } });
  // No password of ours is longer: a longer one fails without costing a hash of it.
  const tooLong = input.password.length > PASSWORD_MAX_LENGTH;
  const passwordMatches = !tooLong && (await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH));
  if (!user || !user.enabled || !passwordMatches) {
    await recordAuditEvent(db, {
      actorId: user?.id ?? null,
      action: "sign_in_failed",
      targetType: "email",
      targetId: email,
      details: { reason: !user ? "unknown_user" : !user.enabled ? "disabled" : tooLong ? "password_too_long" : "wrong_password" },
      ip: input.ip,
    });
    throw new AppError("unauthorized", GENERIC_FAILURE);
  }
  await admission.refund();
  await recordAuditEvent(db, {
    actorId: user.id,
    action: "sign_in",
    targetType: "user",
    targetId: user.id,
    details: { method: "password" },
    ip: input.ip,
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}
