import NextAuth from "next-auth";
import { authOptions } from "#lib/auth/options";
import { assertSignInAllowed } from "#lib/auth/sign-in";
import { db } from "#lib/db";
import { errorResponse } from "#lib/http";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

function handler(request: Request, context: Context) {
  return NextAuth(authOptions())(request, context);
}

export const GET = handler;

/**
 * next-auth answers every refused credentials sign-in alike; a locked-out
 * address must get 429 so that scripts can tell, hence this check first.
 */
export async function POST(request: Request, context: Context) {
  const { nextauth } = await context.params;
  if (nextauth.join("/") === "callback/credentials") {
    try {
      const form = await request.clone().formData();
      const email = form.get("email");
      if (typeof email === "string") await assertSignInAllowed(db(), email);
    } catch (error) {
      return errorResponse(error, request);
    }
  }
  return handler(request, context);
}
