import type { Db } from "#lib/db";
import type { PublicConnectedApp } from "./schemas";
import { toPublicConnectedApp } from "./to-public-connected-app";

export async function listConnectedApps(db: Db): Promise<PublicConnectedApp[]> {
  const apps = await db.connectedApp.findMany({ orderBy: { providerName: "asc" } });
  return apps.map(toPublicConnectedApp);
}
