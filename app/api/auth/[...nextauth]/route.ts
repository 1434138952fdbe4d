import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "#lib/auth/options";
import { assertSignInAllowed } from "#lib/auth/sign-in-limits";
import { db } from "#lib/db";
import { clientIp, errorResponse, readBodyWithLimit } from "#lib/http";

export const dynamic = "force-dynamic";

/** next-auth's forms (sign-in, sign-out) are a few short fields: nothing near this. */
const MAX_AUTH_BODY_BYTES = 16 * 1024;

type Context = { params: Promise<{ nextauth: string[] }> };

function handler(request: Request, context: Context) {
  return NextAuth(authOptions())(request, context);
}

export const GET = handler;

/**
 * next-auth reads whole bodies, of any size: the body is read here first,
 * up to a small limit, and next-auth gets a copy. A locked-out address gets
 * 429 before next-auth sees the request (it answers every refused
 * credentials sign-in alike), so that scripts can tell.
 */
export async function POST(request: Request, context: Context) {
  let bounded: Request;
  try {
    const body = await readBodyWithLimit(request, MAX_AUTH_BODY_BYTES);
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    headers.delete("transfer-encoding");
    // next-auth reads the query through NextRequest's nextUrl.
    bounded = new NextRequest(request.url, { method: "POST", headers, body: new Uint8Array(body) });
    const { nextauth } = await context.params;
    if (nextauth.join("/") === "callback/credentials") {
      const email = (await bounded.clone().formData().catch(() => null))?.get("email");
      if (typeof email === "string") await assertSignInAllowed(db(), email, clientIp(request));
    }
  } catch (error) {
    return errorResponse(error, request);
  }
  return handler(bounded, context);
}
