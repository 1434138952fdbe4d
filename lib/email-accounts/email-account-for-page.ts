import "server-only";
import { notFound } from "next/navigation";
import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { EmailAccount } from "#lib/generated/prisma/client";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getEmailAccountOrThrow } from "./get-email-account-or-throw";

/** For the pages of one account: the account the viewer may see, or the 404 page (a malformed id included). */
export async function emailAccountForPage(db: Db, id: string, viewer: SignedInUser): Promise<EmailAccount> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  try {
    return await getEmailAccountOrThrow(db, id, viewer);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
}
