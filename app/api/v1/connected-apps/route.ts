import { db } from "#lib/db";
import { route } from "#lib/http";
import { createConnectedApp } from "#lib/connected-apps/create-connected-app";
import { listConnectedApps } from "#lib/connected-apps/list-connected-apps";
import { createConnectedAppInput } from "#lib/connected-apps/schemas";

export const GET = route({ auth: "admin" }, async () => ({
  json: { items: await listConnectedApps(db()), nextCursor: null },
}));

export const POST = route({ auth: "admin", body: createConnectedAppInput }, async ({ body, user, ip }) => ({
  status: 201,
  json: await createConnectedApp(db(), body, { id: user.id, ip }),
}));
