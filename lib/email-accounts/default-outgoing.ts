import { AppError } from "#lib/errors";
import type { Prisma } from "#lib/generated/prisma/client";
import type { SignedInUser } from "#lib/auth/sign-in";

// Any constant: serialises "make this the default outgoing account" across processes.
const DEFAULT_OUTGOING_LOCK = 4_201_002;

/**
 * The default outgoing account sends the app's own mail (reconnect reminders)
 * to any user, so choosing it is an admin's decision. Turning it off is not
 * guarded: an owner may always withdraw their mailbox from sending for the app.
 */
export function assertMaySetDefaultOutgoing(value: boolean | undefined, caller: SignedInUser): void {
  if (value === true && caller.role !== "admin") {
    throw new AppError("forbidden", "Only admins can make an account the default outgoing account");
  }
}

/**
 * The default outgoing account writes to every user in the app's name: once
 * an account is it, only admins may change it (its address, name or server
 * would otherwise be its owner's to point anywhere). Its owner may still
 * withdraw it, alone in the request (`isDefaultOutgoing: false`), or delete it.
 */
export function assertMayChangeDefaultOutgoing(
  current: { isDefaultOutgoing: boolean },
  change: Record<string, unknown>,
  caller: SignedInUser,
): void {
  if (!current.isDefaultOutgoing || caller.role === "admin") return;
  const fields = Object.keys(change).filter((key) => change[key] !== undefined);
  if (fields.length === 1 && fields[0] === "isDefaultOutgoing" && change.isDefaultOutgoing === false) return;
  throw new AppError(
    "forbidden",
    "This is the default outgoing account, which sends the app's own mail: only admins may change it. You may withdraw it (isDefaultOutgoing: false) or delete it.",
  );
}

/**
 * Inside the transaction that sets the flag on `accountId`: clears it on every
 * other account first, so there is at most one. The partial unique index
 * `email_accounts_one_default_outgoing` guarantees that; the lock makes two
 * admins choosing different accounts at once end with the later choice
 * instead of a unique violation. Returns the ids it cleared (for the audit trail).
 */
export async function clearOtherDefaultOutgoing(tx: Prisma.TransactionClient, accountId: string): Promise<string[]> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DEFAULT_OUTGOING_LOCK})`;
  const cleared = await tx.emailAccount.updateManyAndReturn({
    where: { isDefaultOutgoing: true, id: { not: accountId } },
    data: { isDefaultOutgoing: false },
    select: { id: true },
  });
  return cleared.map((account) => account.id);
}
