import { db } from "#lib/db";
import { route } from "#lib/http";
import { createFirstAdmin } from "#lib/users/create-first-admin";
import { firstAdminInput } from "#lib/users/schemas";

export const POST = route({ auth: "public", body: firstAdminInput }, async ({ body, ip }) => ({
  status: 201,
  json: await createFirstAdmin(db(), body, ip),
}));
