import type { NextAuthOptions, Session } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import { CLIENT_ADDRESS_HEADER } from "#lib/web/client-address";
import { endSessions, findActiveUser } from "./active-user";
import { matchCompanyUser } from "./company-sign-in";
import { verifyCredentials, type SignedInUser } from "./sign-in";

declare module "next-auth" {
  interface Session {
    user?: SignedInUser;
  }
}

/** next-auth hands authorize() the request's headers as a plain object. */
function clientIp(headers: Record<string, unknown> | undefined): string | null {
  const address = headers?.[CLIENT_ADDRESS_HEADER];
  return typeof address === "string" && address ? address : null;
}

/**
 * next-auth 4 with JWT sessions (its credentials provider requires them).
 * The session callback re-reads the user, so /api/auth/session reflects a
 * disabled user or a role change at once.
 */
export function authOptions(): NextAuthOptions {
  const config = env();
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, request) {
        if (!credentials?.email || !credentials.password) return null;
        try {
          return await verifyCredentials(db(), {
            email: credentials.email,
            password: credentials.password,
            ip: clientIp(request?.headers),
          });
        } catch (error) {
          // Over the limits while another attempt was counted at the same moment: refused like a wrong password
          // (the next attempt gets 429 from the route before next-auth sees it).
          if (error instanceof AppError && (error.code === "unauthorized" || error.code === "rate_limited")) return null;
          throw error;
        }
      },
    }),
  ];
  if (config.AUTH_OIDC_ISSUER && config.AUTH_OIDC_CLIENT_ID && config.AUTH_OIDC_CLIENT_SECRET) {
    providers.push({
      id: "oidc",
      name: "Company sign-in",
      type: "oauth",
      wellKnown: `${config.AUTH_OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: config.AUTH_OIDC_CLIENT_ID,
      clientSecret: config.AUTH_OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      profile(profile: { sub: string; email?: string; name?: string }) {
        return { id: profile.sub, email: profile.email ?? null, name: profile.name ?? null };
      },
    });
  }

  return {
    secret: config.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/login", error: "/login" },
    providers,
    logger: {
      error: (code, metadata) => logger.error({ code, metadata }, "next-auth error"),
      warn: (code) => logger.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
    callbacks: {
      // Company sign-in admits only people who already have an enabled user
      // here, bound to their IdP subject (lib/auth/company-sign-in.ts): the IdP
      // proves who they are, an admin decides what they may do.
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        const claims = (profile ?? {}) as { sub?: string; email?: string; email_verified?: unknown };
        const local = await matchCompanyUser(db(), {
          issuer: config.AUTH_OIDC_ISSUER!,
          subject: claims.sub ?? user.id,
          email: claims.email ?? null,
          emailVerified: claims.email_verified,
        });
        if (!local) return "/login?error=AccessDenied";
        user.id = local.id;
        (user as { sessionVersion?: number }).sessionVersion = local.sessionVersion;
        return true;
      },
      // The token names the user and the session version it was issued at.
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sessionVersion = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        }
        return token;
      },
      async session({ session, token }) {
        const version = typeof token.sessionVersion === "number" ? token.sessionVersion : -1;
        const user = token.sub ? await findActiveUser(db(), token.sub, version) : null;
        if (!user) return { expires: session.expires } satisfies Session;
        return { ...session, user };
      },
    },
    events: {
      // Signing out ends this session and every other of the user: a copy of the cookie is worth nothing after it.
      async signOut({ token }) {
        if (token?.sub) await endSessions(db(), token.sub);
      },
    },
  };
}
