import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { listMessages } from "#lib/messages/list-messages";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });
const query = z.object({
  folder: z.string().min(1).max(255).default("INBOX"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(40).optional(),
  search: z.string().max(200, "must be at most 200 characters").optional(),
  unread: z.enum(["true", "false"], { error: "must be true or false" }).transform((value) => value === "true").optional(),
});

export const GET = route({ auth: "user", params, query }, async ({ params, query, user }) => ({
  json: await listMessages(db(), { emailAccountId: params.id, caller: user, ...query }),
}));
