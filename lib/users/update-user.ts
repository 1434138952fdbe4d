import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { hashPassword } from "#lib/auth/password";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { parseOrThrow } from "#lib/validation";
import { toPublicUser, updateUserInput, type PublicUser } from "./schemas";

export async function updateUser(
  db: Db,
  userId: string,
  input: unknown,
  actor: { id: string | null; ip?: string | null },
): Promise<PublicUser> {
  const data = parseOrThrow(updateUserInput, input);
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("not_found", "No such user");
  if (userId === actor.id && (data.enabled === false || data.role === "user")) {
    // Without this an admin can lock every admin out of the install.
    throw new AppError("conflict", "You cannot disable yourself or take away your own admin role");
  }
  // A new password, another role or a change of the enabled switch ends every
  // session issued before it (lib/auth/options.ts compares session versions).
  const endsSessions =
    data.password !== undefined || (data.role !== undefined && data.role !== user.role) || (data.enabled !== undefined && data.enabled !== user.enabled);
  const updated = await db.user.update({
    where: { id: userId },
    data: {
      name: data.name,
      role: data.role,
      enabled: data.enabled,
      passwordHash: data.password ? await hashPassword(data.password) : undefined,
      ...(endsSessions ? { sessionVersion: { increment: 1 } } : {}),
    },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "user.update",
    targetType: "user",
    targetId: userId,
    details: {
      changed: Object.entries(data).flatMap(([field, value]) => (value === undefined ? [] : [field])),
      role: data.role,
      enabled: data.enabled,
    },
    ip: actor.ip,
  });
  return toPublicUser(updated);
}
