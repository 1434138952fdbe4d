import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { updateUserInput } from "#lib/users/schemas";
import { updateUser } from "#lib/users/update-user";

const params = z.object({ id: z.uuid({ error: "not a user id" }) });

export const PATCH = route({ auth: "admin", params, body: updateUserInput }, async ({ params, body, user, ip }) => ({
  json: await updateUser(db(), params.id, body, { id: user.id, ip }),
}));
