import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { ConnectedApp } from "#lib/generated/prisma/client";

export async function getConnectedAppOrThrow(db: Db, id: string): Promise<ConnectedApp> {
  const app = await db.connectedApp.findUnique({ where: { id } });
  if (!app) throw new AppError("not_found", "No such connected app");
  return app;
}
