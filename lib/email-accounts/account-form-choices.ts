import type { Db } from "#lib/db";
import { COMPLETE_APPS } from "#lib/connected-apps/app-completeness";
import type { SignedInUser } from "#lib/auth/sign-in";
import { listConnections } from "#lib/tokens/list-connections";

/** A Connected App as the account form offers it: whether the viewer is connected to it, and as whom. */
export interface ConnectionChoice {
  appId: string;
  providerName: string;
  preset: "google" | "microsoft" | "generic";
  /** The viewer's own connection to it; null when they never connected. */
  status: "active" | "needs_reauth" | "disconnected" | null;
  /** The address the provider named for that connection: the mailbox to prefill. */
  providerEmail: string | null;
}

/** The apps a mail account can sign in through (complete ones only), each with the viewer's connection state. */
export async function accountFormChoices(db: Db, viewer: SignedInUser): Promise<ConnectionChoice[]> {
  const [apps, connections] = await Promise.all([
    db.connectedApp.findMany({ where: COMPLETE_APPS, select: { id: true, providerName: true, preset: true }, orderBy: { providerName: "asc" } }),
    listConnections(db, { userId: viewer.id, limit: 500 }),
  ]);
  return apps.map((app) => {
    const own = connections.items.find((connection) => connection.connectedAppId === app.id);
    return { appId: app.id, providerName: app.providerName, preset: app.preset, status: own?.status ?? null, providerEmail: own?.providerEmail ?? null };
  });
}
