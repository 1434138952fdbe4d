import { z } from "zod";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { route } from "#lib/http";
import { markNotificationRead } from "#lib/notifications/list-notifications";

const params = z.object({ id: z.uuid() });

export const POST = route({ auth: "user", params }, async ({ params, user }) => {
  if (!(await markNotificationRead(db(), user.id, params.id))) throw new AppError("not_found", "No such notification");
  return { json: { read: true } };
});
