import { route } from "#lib/http";
import { discoverProvider } from "#lib/connected-apps/discover-provider";
import { discoveryInput } from "#lib/connected-apps/schemas";
import { checkEndpointUrls } from "#lib/connected-apps/check-endpoint-urls";

export const POST = route({ auth: "admin", body: discoveryInput }, async ({ body }) => {
  checkEndpointUrls({ openidConfigurationUrl: body.url });
  const { tokenEndpointAuthMethods: _methods, ...discovered } = await discoverProvider(body.url);
  return { json: discovered };
});
