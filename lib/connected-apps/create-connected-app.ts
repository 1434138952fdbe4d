import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import { seal } from "#lib/crypto";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { discoverProvider, type DiscoveredProvider } from "#lib/connected-apps/discover-provider";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";
import { parseOrThrow } from "#lib/validation";
import { checkEndpointUrls } from "./check-endpoint-urls";
import { googlePreset, microsoftPreset, type PresetValues } from "./presets";
import { createConnectedAppInput, type CreateConnectedAppInput, type PublicConnectedApp } from "./schemas";
import { toPublicConnectedApp } from "./to-public-connected-app";

export const clientSecretColumn = sealedColumns.find((column) => column.column === "client_secret_sealed")!;

export function sealClientSecret(appId: string, secret: string): string {
  return seal(secret, sealedColumnContext(clientSecretColumn, appId));
}

function presetValues(preset: string, tenant: string | undefined): Partial<PresetValues> {
  if (preset === "google") return googlePreset();
  if (preset === "microsoft") return microsoftPreset(tenant ?? "common");
  return {};
}

/** client_secret_basic when the provider supports it (the OAuth default), else post. */
export function defaultAuthMethod(discovered: DiscoveredProvider | null): "client_secret_basic" | "client_secret_post" {
  const supported = discovered?.tokenEndpointAuthMethods ?? [];
  if (supported.length === 0 || supported.includes("client_secret_basic")) return "client_secret_basic";
  return supported.includes("client_secret_post") ? "client_secret_post" : "client_secret_basic";
}

/**
 * Creates a Connected App from a preset, a discovery URL or endpoints typed
 * by hand (in that order of precedence, the admin's values winning). When
 * the endpoints are missing but a configuration URL is given, discovery
 * fills them. A name alone is enough: the app is then `incomplete` (its
 * Redirect URI is known at once, for the provider's registration form).
 */
export async function createConnectedApp(
  db: Db,
  input: CreateConnectedAppInput,
  actor: { id: string; ip?: string | null },
): Promise<PublicConnectedApp> {
  const data = parseOrThrow(createConnectedAppInput, input);
  const preset = presetValues(data.preset, data.tenant);
  const openidConfigurationUrl = data.openidConfigurationUrl ?? preset.openidConfigurationUrl ?? null;
  checkEndpointUrls({ ...data, openidConfigurationUrl });

  const needsDiscovery = !(data.authorizationUri ?? preset.authorizationUri) || !(data.tokenUri ?? preset.tokenUri);
  const discovered = needsDiscovery && openidConfigurationUrl ? await discoverProvider(openidConfigurationUrl) : null;
  // Missing endpoints (or client id) leave the app `incomplete` until an admin gives them.
  const authorizationUri = data.authorizationUri ?? preset.authorizationUri ?? discovered?.authorizationUri ?? null;
  const tokenUri = data.tokenUri ?? preset.tokenUri ?? discovered?.tokenUri ?? null;
  const pick = <K extends "revocationUri" | "userinfoUri" | "introspectionUri">(key: K) =>
    data[key] !== undefined ? data[key] : (preset[key] ?? discovered?.[key] ?? null);

  const id = randomUUID();
  const app = await db.connectedApp.create({
    data: {
      id,
      providerName: data.providerName,
      preset: data.preset,
      tenant: data.tenant ?? (data.preset === "microsoft" ? "common" : null),
      openidConfigurationUrl,
      issuer: data.issuer ?? preset.issuer ?? discovered?.issuer ?? null,
      authorizationUri,
      tokenUri,
      revocationUri: pick("revocationUri"),
      userinfoUri: pick("userinfoUri"),
      introspectionUri: pick("introspectionUri"),
      clientId: data.clientId ?? null,
      clientSecretSealed: data.clientSecret ? sealClientSecret(id, data.clientSecret) : null,
      clientSecretExpiresAt: data.clientSecretExpiresAt ?? null,
      tokenEndpointAuthMethod: data.tokenEndpointAuthMethod ?? preset.tokenEndpointAuthMethod ?? defaultAuthMethod(discovered),
      scopes: data.scopes ?? preset.scopes ?? ["openid", "email"],
      queryParameters: data.queryParameters ?? preset.queryParameters ?? {},
      pkce: data.pkce ?? true,
    },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "connected_app.create",
    targetType: "connected_app",
    targetId: id,
    details: { providerName: app.providerName, preset: app.preset },
    ip: actor.ip,
  });
  return toPublicConnectedApp(app);
}
