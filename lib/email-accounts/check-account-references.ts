import type { Db } from "#lib/db";
import { env } from "#lib/env";
import { AppError, type ValidationIssue } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import { isInsecureHost } from "#lib/net/host-rules";

interface References {
  authMethod: "oauth" | "password";
  connectedAppId?: string | null;
  connectedUserId?: string | null;
  servicePrincipal: boolean;
  imap: { host: string; port: number; security: string };
  smtp: { host: string; port: number; security: string };
}

/**
 * Rules beyond the shape: the Connected App exists; a user may only use
 * their own connection; only admins may read a mailbox with the app-only
 * token (it opens any mailbox the app was granted); plain IMAP/SMTP only
 * to hosts listed in INSECURE_OAUTH_HOSTS. Returns the connected user to store.
 */
export async function checkAccountReferences(db: Db, value: References, caller: SignedInUser, ownerId: string): Promise<string | null> {
  const issues: ValidationIssue[] = [];
  for (const side of ["imap", "smtp"] as const) {
    // The one reading of the list (host-rules.ts): entries with a port, IPv6 in any spelling.
    if (value[side].security === "none" && !isInsecureHost(value[side].host, value[side].port, env().INSECURE_OAUTH_HOSTS)) {
      issues.push({ path: `${side}.security`, message: `"none" (no TLS) is only allowed for hosts in INSECURE_OAUTH_HOSTS` });
    }
  }
  if (issues.length > 0) throw new AppError("validation_failed", issues.map((issue) => `${issue.path}: ${issue.message}`).join("; "), issues);

  if (value.authMethod !== "oauth") return null;
  const app = value.connectedAppId ? await db.connectedApp.findUnique({ where: { id: value.connectedAppId } }) : null;
  if (!app) {
    throw new AppError("validation_failed", "connectedAppId: no such Connected App", [{ path: "connectedAppId", message: "no such Connected App" }]);
  }
  if (value.servicePrincipal) {
    if (caller.role !== "admin") throw new AppError("forbidden", "Only admins can set up an account that signs in as the app (service principal)");
    return null;
  }
  const connectedUserId = value.connectedUserId ?? ownerId;
  if (connectedUserId !== caller.id && caller.role !== "admin") {
    throw new AppError("forbidden", "You can only use your own connection");
  }
  return connectedUserId;
}
