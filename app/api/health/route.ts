import { db } from "#lib/db";
import { checkDatabase } from "#lib/health/check-database";
import { route } from "#lib/http";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "public" }, async () => {
  const dbOk = await checkDatabase(db());
  return dbOk
    ? { json: { status: "ok", db: "ok" } }
    : { status: 503, json: { status: "error", db: "unavailable" } };
});
