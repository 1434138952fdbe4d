import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { deleteConnectedApp } from "#lib/connected-apps/delete-connected-app";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { updateConnectedAppInput } from "#lib/connected-apps/schemas";
import { toPublicConnectedApp } from "#lib/connected-apps/to-public-connected-app";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });

export const GET = route({ auth: "admin", params }, async ({ params }) => ({
  json: toPublicConnectedApp(await getConnectedAppOrThrow(db(), params.id)),
}));

export const PATCH = route({ auth: "admin", params, body: updateConnectedAppInput }, async ({ params, body, user, ip }) => ({
  json: await updateConnectedApp(db(), params.id, body, { id: user.id, ip }),
}));

export const DELETE = route({ auth: "admin", params }, async ({ params, user, ip }) => {
  await deleteConnectedApp(db(), params.id, { id: user.id, ip });
  return new Response(null, { status: 204 });
});
