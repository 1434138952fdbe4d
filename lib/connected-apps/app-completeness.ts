import { AppError } from "#lib/errors";
import type { ConnectedApp } from "#lib/generated/prisma/client";

/**
 * An app is created with a name alone (Entra asks for the Redirect URI before
 * it gives a client id): until it has a client id and both endpoints it is
 * `incomplete`, offered to nobody, and no flow starts on it.
 */
export type CompleteConnectedApp = ConnectedApp & { clientId: string; authorizationUri: string; tokenUri: string };

/** What a flow still needs, by API field name. */
export function missingForFlows(app: Pick<ConnectedApp, "clientId" | "authorizationUri" | "tokenUri">): string[] {
  return [
    ...(!app.clientId ? ["clientId"] : []),
    ...(!app.authorizationUri ? ["authorizationUri"] : []),
    ...(!app.tokenUri ? ["tokenUri"] : []),
  ];
}

const MISSING_WORDS: Record<string, string> = {
  clientId: "a client id",
  authorizationUri: "an authorization endpoint",
  tokenUri: "a token endpoint",
};

/** What a flow still needs, in words: "a client id and a token endpoint". */
export function missingInWords(app: Pick<ConnectedApp, "clientId" | "authorizationUri" | "tokenUri">): string {
  const words = missingForFlows(app).map((field) => MISSING_WORDS[field] ?? field);
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words.at(-1)}` : (words[0] ?? "");
}

export function isComplete(app: ConnectedApp): app is CompleteConnectedApp {
  return missingForFlows(app).length === 0;
}

export function assertComplete(app: ConnectedApp): asserts app is CompleteConnectedApp {
  const missing = missingForFlows(app);
  if (missing.length > 0) {
    throw new AppError("app_incomplete", `${app.providerName} is not set up yet (it needs ${missing.join(", ")}): an admin finishes it under Connected Apps`);
  }
}

/** The status shown: incomplete, or the stored ok / misconfigured. */
export function appStatus(app: ConnectedApp): "incomplete" | "ok" | "misconfigured" {
  return isComplete(app) ? app.status : "incomplete";
}

/** For the lists offered to users (My connections, the mail account form): complete apps only. */
export const COMPLETE_APPS = { clientId: { not: null }, authorizationUri: { not: null }, tokenUri: { not: null } } as const;
