import { randomBytes } from "node:crypto";
import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import { createConnectedApp } from "#lib/connected-apps/create-connected-app";
import { discoverProvider } from "#lib/connected-apps/discover-provider";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import type { PublicConnectedApp } from "#lib/connected-apps/schemas";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { listConnections } from "#lib/tokens/list-connections";
import { createUser } from "#lib/users/create-user";
import { updateUser } from "#lib/users/update-user";
import type { TestProvider } from "#tests/support/oidc-provider";

// Demo-only sign-ins, printed on the terminal for whoever runs the demo.
export const DEMO_ADMIN = { email: "admin@example.com", name: "Ada Admin", password: "demo-admin-password", role: "admin" } as const;
export const DEMO_USER = { email: "alex@example.com", name: "Alex Demo", password: "demo-user-password", role: "user" } as const;
export const DEMO_APP_NAME = "Demo Mail";
const CLIENT_ID = "connected-apps-demo";

/** The person, created, or brought back to the printed password and role when the database kept them. */
export async function seedUser(db: Db, person: typeof DEMO_ADMIN | typeof DEMO_USER): Promise<SignedInUser> {
  const existing = await db.user.findUnique({ where: { email: person.email } });
  const user = existing
    ? await updateUser(db, existing.id, { name: person.name, role: person.role, enabled: true, password: person.password }, { id: null })
    : await createUser(db, { ...person }, { id: null });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/**
 * The Connected App, set up the way an admin does in the forms: a name first,
 * which gives the Redirect URI; that URI registered at the provider, which
 * hands out a client id and secret; then discovery from the provider's
 * OpenID configuration URL, and save.
 */
export async function seedConnectedApp(db: Db, admin: SignedInUser, provider: TestProvider): Promise<PublicConnectedApp> {
  const existing = await db.connectedApp.findFirst({ where: { providerName: DEMO_APP_NAME }, select: { id: true, tokenEndpointAuthMethod: true } });
  const app = existing ?? (await createConnectedApp(db, { providerName: DEMO_APP_NAME, preset: "generic" }, admin));
  // A new secret each run: the provider keeps its clients in memory and forgets them when the demo stops.
  const clientSecret = randomBytes(24).toString("base64url");
  await provider.addClient({
    clientId: CLIENT_ID,
    clientSecret,
    redirectUris: [redirectUriFor(app.id)],
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
  });
  const found = await discoverProvider(provider.discoveryUrl);
  return updateConnectedApp(
    db,
    app.id,
    {
      openidConfigurationUrl: provider.discoveryUrl,
      issuer: found.issuer,
      authorizationUri: found.authorizationUri,
      tokenUri: found.tokenUri,
      revocationUri: found.revocationUri,
      userinfoUri: found.userinfoUri,
      introspectionUri: found.introspectionUri,
      clientId: CLIENT_ID,
      clientSecret,
      // offline_access: a refresh token, so the connection outlives its first access token.
      scopes: ["openid", "email", "offline_access"],
    },
    admin,
  );
}

export interface MailboxPlan {
  user: SignedInUser;
  appId: string;
  mailbox: string;
  imapPort: number;
  smtpPort: number;
}

/**
 * The product's order (the Email accounts page says so): connect first, then
 * add the mailbox on that connection. An OAuth account added before its
 * connection exists pauses as "not connected" and stays paused after the
 * user connects, so the demo adds it only once the connection is there, and
 * only when the token is for the mailbox (Dovecot and the SMTP server accept
 * a token only for the address it was issued to). Returns the account, or
 * null while there is nothing to do yet.
 */
export async function addMailAccountWhenConnected(
  db: Db,
  plan: MailboxPlan,
  hint: (line: string) => void,
): Promise<{ id: string; added: boolean } | null> {
  const { items } = await listConnections(db, { userId: plan.user.id, connectedAppId: plan.appId });
  const connection = items.find((item) => item.status === "active");
  if (!connection) return null;
  const account = connection.providerEmail?.toLowerCase() ?? connection.providerSubject ?? "an unknown account";
  if (account !== plan.mailbox) {
    hint(
      `${plan.user.email} connected as ${account} at the provider, but the mailbox is ${plan.mailbox}: ` +
        `under My connections, Disconnect, then Connect again, type ${plan.mailbox} as the provider's login and confirm the change of account.`,
    );
    return null;
  }
  const existing = await db.emailAccount.findFirst({ where: { ownerId: plan.user.id, emailAddress: plan.mailbox }, select: { id: true } });
  // The user added it themselves meanwhile: theirs stands.
  if (existing) return { id: existing.id, added: false };
  const created = await createEmailAccount(
    db,
    {
      emailAddress: plan.mailbox,
      displayName: plan.user.name,
      authMethod: "oauth",
      connectedAppId: plan.appId,
      imap: { host: "127.0.0.1", port: plan.imapPort, security: "none", login: plan.mailbox },
      smtp: { host: "127.0.0.1", port: plan.smtpPort, security: "none", login: plan.mailbox },
    },
    plan.user,
  );
  return { id: created.id, added: true };
}
