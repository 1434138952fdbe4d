import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { hashPassword } from "#lib/auth/password";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { admitSignIn } from "#lib/auth/sign-in-limits";
import { parseOrThrow } from "#lib/validation";
import { isSetupCode, removeSetupCode } from "./setup-code";
import { firstAdminInput, toPublicUser, type PublicUser } from "./schemas";

// Any constant: serialises concurrent "first admin" requests across processes.
const FIRST_ADMIN_LOCK = 4_201_001;

export async function isSetupDone(db: Db): Promise<boolean> {
  return (await db.user.count()) > 0;
}

/**
 * Creates the first admin of a fresh install, for whoever has the setup code
 * (lib/users/setup-code.ts). Only while there is no user at all: two browsers
 * racing on a fresh install get one admin and one 409. Wrong codes count
 * against the sign-in limits of the address they come from.
 */
export async function createFirstAdmin(
  db: Db,
  input: unknown,
  ip: string | null,
): Promise<PublicUser> {
  const data = parseOrThrow(firstAdminInput, input);
  if (await isSetupDone(db)) throw new AppError("setup_done", "This install already has users: sign in instead");
  const admission = await admitSignIn(db, "first-admin-setup", ip);
  if (!(await isSetupCode(db, data.setupCode))) {
    throw new AppError("forbidden", "That is not the setup code: use the one npm start printed (npm run cli -- setup-code prints it again)");
  }
  await admission.refund();
  const passwordHash = await hashPassword(data.password);
  const user = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_ADMIN_LOCK})`;
    if ((await tx.user.count()) > 0) {
      throw new AppError("setup_done", "This install already has users: sign in instead");
    }
    const created = await tx.user.create({
      data: { email: data.email, name: data.name || data.email.split("@")[0]!, role: "admin", passwordHash },
    });
    await removeSetupCode(tx);
    return created;
  });
  await recordAuditEvent(db, {
    actorId: user.id,
    action: "setup.first_admin",
    targetType: "user",
    targetId: user.id,
    details: { email: user.email },
    ip,
  });
  return toPublicUser(user);
}
