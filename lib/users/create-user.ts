import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { hashPassword } from "#lib/auth/password";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { createUserInput, toPublicUser, type CreateUserInput, type PublicUser } from "./schemas";
import { parseOrThrow } from "#lib/validation";

export async function createUser(
  db: Db,
  input: CreateUserInput,
  actor: { id: string | null; ip?: string | null },
): Promise<PublicUser> {
  const data = parseOrThrow(createUserInput, input);
  const existing = await db.user.findUnique({ where: { email: data.email } });
  if (existing) throw new AppError("conflict", `A user with the address ${data.email} already exists`);
  const user = await db.user.create({
    data: {
      email: data.email,
      name: data.name || data.email.split("@")[0]!,
      role: data.role,
      passwordHash: await hashPassword(data.password),
    },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "user.create",
    targetType: "user",
    targetId: user.id,
    details: { email: user.email, role: user.role },
    ip: actor.ip,
  });
  return toPublicUser(user);
}
