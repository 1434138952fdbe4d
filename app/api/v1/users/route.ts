import { db } from "#lib/db";
import { route } from "#lib/http";
import { createUser } from "#lib/users/create-user";
import { listUsers } from "#lib/users/list-users";
import { createUserInput } from "#lib/users/schemas";

export const GET = route({ auth: "admin" }, async () => ({
  json: { items: await listUsers(db()), nextCursor: null },
}));

export const POST = route({ auth: "admin", body: createUserInput }, async ({ body, user, ip }) => ({
  status: 201,
  json: await createUser(db(), body, { id: user.id, ip }),
}));
