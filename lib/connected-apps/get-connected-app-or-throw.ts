import type { Db } from "../db";
import { AppError } from "../errors";
import type { ConnectedApp } from "../generated/prisma/client";

export async function getConnectedAppOrThrow(db: Db, id: string): Promise<ConnectedApp> {
  const app = await db.connectedApp.findUnique({ where: { id } });
  if (!app) throw new AppError("not_found", "No such connected app");
  return app;
}
