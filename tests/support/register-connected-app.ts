import type { HttpSession } from "./http-session";
import type { TestProvider } from "./oidc-provider";

/**
 * What an admin does to offer a provider: creates the Connected App through
 * the REST API (discovery from the test provider) and registers its Redirect
 * URI at the provider as the client `clientId`, whose secret is `${clientId}-secret`.
 */
export async function registerConnectedApp(
  admin: HttpSession,
  provider: TestProvider,
  app: { providerName: string; clientId: string; scopes: string[] },
): Promise<{ id: string; redirectUri: string }> {
  const clientSecret = `${app.clientId}-secret`;
  const response = await admin.request("/api/v1/connected-apps", {
    method: "POST",
    json: { providerName: app.providerName, openidConfigurationUrl: provider.discoveryUrl, clientId: app.clientId, clientSecret, scopes: app.scopes },
  });
  if (response.status !== 201) throw new Error(`creating ${app.providerName} answered ${response.status}: ${await response.text()}`);
  const created = (await response.json()) as { id: string; redirectUri: string };
  await provider.addClient({ clientId: app.clientId, clientSecret, redirectUris: [created.redirectUri] });
  return created;
}
