import "server-only";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { REQUESTED_PATH_HEADER } from "#lib/web/request-context";
import { authOptions } from "./options";
import { findUserByApiKey } from "./active-user";
import type { SignedInUser } from "./sign-in";

/** The session's user: the session callback (options.ts) has re-read them and checked the session version. */
async function sessionUser(): Promise<SignedInUser | null> {
  const session = await getServerSession(authOptions());
  return session?.user ?? null;
}

/**
 * The caller of an API request: a Bearer API key when the header is present
 * (a wrong key is an error, not a silent fall back to the cookie), else the
 * session cookie.
 */
export async function userFromRequest(request: Request): Promise<SignedInUser | null> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? await findUserByApiKey(db(), match[1]!) : null;
    if (!user) throw new AppError("unauthorized", "The API key is invalid, revoked, or its user is disabled");
    return user;
  }
  return sessionUser();
}

/** The sign-in page, with the way back to `path` once signed in. */
export function signInPath(path: string | null | undefined): string {
  return path && path !== "/" ? `/login?${new URLSearchParams({ next: path })}` : "/login";
}

/** For pages: the signed-in user, or a redirect to the sign-in page that leads back to this page. */
export async function requirePageUser(): Promise<SignedInUser> {
  const user = await sessionUser();
  if (!user) redirect(signInPath((await headers()).get(REQUESTED_PATH_HEADER)));
  return user;
}

/** For admin pages: a 403 page for anyone signed in without the admin role. */
export async function requirePageAdmin(): Promise<SignedInUser> {
  const user = await requirePageUser();
  if (user.role !== "admin") forbidden();
  return user;
}

export async function optionalPageUser(): Promise<SignedInUser | null> {
  return sessionUser();
}
