import { randomUUID } from "node:crypto";
import { createDb, type Db } from "#lib/db";
import { generateKeyringEntry } from "#lib/crypto";
import { setRuntimeEnv } from "#lib/env";
import { createConnectedApp } from "#lib/connected-apps/create-connected-app";
import type { CreateConnectedAppInput, PublicConnectedApp } from "#lib/connected-apps/schemas";
import { startAuthorization } from "#lib/oauth/start-authorization";
import { completeConnection } from "#lib/tokens/complete-connection";
import type { SignedInUser } from "#lib/auth/sign-in";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import type { CreateEmailAccountInput, PublicEmailAccount } from "#lib/email-accounts/schemas";
import { createTestDatabase } from "./test-database";
import { startTestProvider, type TestProvider, type TestProviderOptions } from "./oidc-provider";
import { registerCleanup } from "./cleanup";

export interface OAuthFixture {
  db: Db;
  provider: TestProvider;
  databaseUrl: string;
  encryptionKeys: string;
  createUser(email: string, role?: "admin" | "user"): Promise<string>;
  /** A Connected App created by discovery against the test provider, with its client registered there. */
  createApp(overrides?: Partial<CreateConnectedAppInput> & { appOnlyMailbox?: string }): Promise<PublicConnectedApp & { clientSecret: string }>;
  /** Runs "Connect to …" for a user through the provider's login and consent; returns where the callback sends the browser. */
  connect(appId: string, userId: string, login: string, successUri?: string): Promise<string>;
  /** The user as the lib functions see a signed-in caller. */
  signedIn(userId: string): Promise<SignedInUser>;
  /**
   * A new user `email`, connected to the app as `email`, owning an OAuth mail
   * account on it with these IMAP and SMTP ports on 127.0.0.1 (plain).
   */
  mailAccountOwner(
    appId: string,
    email: string,
    ports: { imap: number; smtp: number },
    options?: { overrides?: Partial<CreateEmailAccountInput>; role?: "admin" | "user" },
  ): Promise<{ user: SignedInUser; account: PublicEmailAccount }>;
}

/**
 * A fresh database, a running test OpenID provider and the environment the
 * OAuth code needs (127.0.0.1 allowed over plain http): the set-up of every
 * OAuth integration test file.
 */
export async function createOAuthFixture(
  options: { databaseUrl?: string; provider?: TestProviderOptions } = {},
): Promise<OAuthFixture> {
  const encryptionKeys = generateKeyringEntry("v1");
  setRuntimeEnv({ INSECURE_OAUTH_HOSTS: "127.0.0.1", ENCRYPTION_KEYS: encryptionKeys, APP_URL: "http://127.0.0.1:3999", LOG_LEVEL: "silent" });
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const db = createDb(databaseUrl);
  const provider = await startTestProvider(options.provider);
  registerCleanup(async () => {
    await provider.close();
    await db.$disconnect();
  });
  const fixture: OAuthFixture = {
    db,
    provider,
    databaseUrl,
    encryptionKeys,
    async createUser(email, role = "user") {
      const user = await db.user.create({ data: { email, name: email.split("@")[0]!, role } });
      return user.id;
    },
    async signedIn(userId) {
      const row = await db.user.findUniqueOrThrow({ where: { id: userId } });
      return { id: row.id, email: row.email, name: row.name, role: row.role };
    },
    async mailAccountOwner(appId, email, ports, { overrides = {}, role = "user" } = {}) {
      const user = await fixture.signedIn(await fixture.createUser(email, role));
      await fixture.connect(appId, user.id, email);
      const account = await createEmailAccount(
        db,
        {
          emailAddress: email,
          authMethod: "oauth",
          connectedAppId: appId,
          imap: { host: "127.0.0.1", port: ports.imap, security: "none", login: email },
          smtp: { host: "127.0.0.1", port: ports.smtp, security: "none", login: email },
          ...overrides,
        },
        user,
      );
      return { user, account };
    },
    async createApp(overrides = {}) {
      const { appOnlyMailbox, ...input } = overrides;
      const clientId = `client-${randomUUID().slice(0, 8)}`;
      const clientSecret = `secret-${randomUUID()}`;
      const admin = await db.user.upsert({
        where: { email: "fixture-admin@example.test" },
        create: { email: "fixture-admin@example.test", name: "admin", role: "admin" },
        update: {},
      });
      const app = await createConnectedApp(
        db,
        {
          providerName: "Test IdP",
          openidConfigurationUrl: provider.discoveryUrl,
          clientId,
          clientSecret,
          scopes: ["openid", "email", "offline_access", "mail"],
          ...input,
        },
        { id: admin.id },
      );
      await provider.addClient({
        clientId,
        clientSecret,
        redirectUris: [app.redirectUri],
        tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
        appOnlyMailbox,
      });
      return { ...app, clientSecret };
    },
    async connect(appId, userId, login, successUri) {
      const url = await startAuthorization(db, { connectedAppId: appId, userId, successUri });
      const callback = await provider.authorizeHeadless(url, { login });
      return completeConnection(db, { connectedAppId: appId, userId, callbackParams: new URL(callback).searchParams });
    },
  };
  return fixture;
}
