import { env } from "#lib/env";

/** The Redirect URI to register at the provider: derived, never stored. */
export function redirectUriFor(appId: string): string {
  return `${env().APP_URL}/api/oauth/callback/${appId}`;
}
