import { AppError } from "#lib/errors";
import type { SignedInUser } from "./sign-in";

/**
 * Whose connection a request is about: the caller's own, or, for admins
 * only, another user's (`?userId=`).
 */
export function actingFor(caller: SignedInUser, requestedUserId: string | undefined): string {
  if (!requestedUserId || requestedUserId === caller.id) return caller.id;
  if (caller.role !== "admin") throw new AppError("forbidden", "Only admins can act on another user's connection");
  return requestedUserId;
}
