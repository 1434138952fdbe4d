import type { ConnectedApp } from "#lib/generated/prisma/client";
import { MICROSOFT_APP_ONLY_SCOPE } from "./presets";

// User-facing scopes that mean nothing to a client-credentials grant.
const USER_ONLY_SCOPES = new Set(["openid", "email", "profile", "offline_access"]);

/** Scopes of the app-only (client-credentials) token: Exchange's .default for Microsoft. */
export function appOnlyScopes(app: Pick<ConnectedApp, "preset" | "scopes">): string[] {
  if (app.preset === "microsoft") return [MICROSOFT_APP_ONLY_SCOPE];
  return app.scopes.filter((scope) => !USER_ONLY_SCOPES.has(scope));
}
