import { z } from "zod";
import { UNKNOWN_FIELDS } from "#lib/validation";

// Shared by the admin form, the REST API and the domain functions.

const endpoint = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000);

// Parameters the authorization request sets itself: an extra value would
// override PKCE, state or the Redirect URI.
export const RESERVED_QUERY_PARAMETERS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
];

const queryParameters = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "parameter names are letters, digits, _ . -"),
    z.string().max(1000),
  )
  .refine((value) => !Object.keys(value).some((key) => RESERVED_QUERY_PARAMETERS.includes(key)), {
    error: `these are set by the app and cannot be overridden: ${RESERVED_QUERY_PARAMETERS.join(", ")}`,
  });

const scopes = z
  .array(z.string().trim().min(1).max(500).regex(/^\S+$/, "one scope per entry, without spaces"))
  .max(50);

export const presetSchema = z.enum(["google", "microsoft", "generic"]);
export const tokenEndpointAuthMethodSchema = z.enum(["client_secret_basic", "client_secret_post"]);

const fields = {
  providerName: z.string().trim().min(1, "is required").max(100),
  tenant: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]{1,100}$/, "a tenant id, a domain, common, organizations or consumers"),
  openidConfigurationUrl: endpoint,
  issuer: z.url().max(2000),
  authorizationUri: endpoint,
  tokenUri: endpoint,
  revocationUri: endpoint.nullable(),
  userinfoUri: endpoint.nullable(),
  introspectionUri: endpoint.nullable(),
  clientId: z.string().trim().min(1, "is required").max(500),
  clientSecret: z.string().min(1).max(2000),
  clientSecretExpiresAt: z.coerce.date().nullable(),
  tokenEndpointAuthMethod: tokenEndpointAuthMethodSchema,
  scopes,
  queryParameters,
  pkce: z.boolean(),
};

export const createConnectedAppInput = z.strictObject({
  ...fields,
  preset: presetSchema.default("generic"),
  tenant: fields.tenant.optional(),
  openidConfigurationUrl: fields.openidConfigurationUrl.optional(),
  issuer: fields.issuer.optional(),
  authorizationUri: fields.authorizationUri.optional(),
  tokenUri: fields.tokenUri.optional(),
  revocationUri: fields.revocationUri.optional(),
  userinfoUri: fields.userinfoUri.optional(),
  introspectionUri: fields.introspectionUri.optional(),
  // Optional: a public client relies on PKCE alone.
  // Optional: an app may be created with its name alone and finished later (it is `incomplete` until then).
  clientId: fields.clientId.optional(),
  clientSecret: fields.clientSecret.optional(),
  clientSecretExpiresAt: fields.clientSecretExpiresAt.optional(),
  tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod.optional(),
  scopes: fields.scopes.optional(),
  queryParameters: fields.queryParameters.optional(),
  pkce: fields.pkce.optional(),
}, UNKNOWN_FIELDS);
export type CreateConnectedAppInput = z.input<typeof createConnectedAppInput>;

/** Every field optional; `clientSecret: null` removes the secret, leaving it out keeps it. */
export const updateConnectedAppInput = z
  .strictObject({
    ...fields,
    preset: presetSchema,
    tenant: fields.tenant.nullable(),
    openidConfigurationUrl: fields.openidConfigurationUrl.nullable(),
    issuer: fields.issuer.nullable(),
    clientSecret: fields.clientSecret.nullable(),
  }, UNKNOWN_FIELDS)
  .partial();
export type UpdateConnectedAppInput = z.input<typeof updateConnectedAppInput>;

export const discoveryInput = z.strictObject({ url: endpoint }, UNKNOWN_FIELDS);

export interface PublicConnectedApp {
  id: string;
  providerName: string;
  preset: "google" | "microsoft" | "generic";
  tenant: string | null;
  openidConfigurationUrl: string | null;
  issuer: string | null;
  authorizationUri: string | null;
  tokenUri: string | null;
  revocationUri: string | null;
  userinfoUri: string | null;
  introspectionUri: string | null;
  clientId: string | null;
  /** The secret itself never leaves the server. */
  clientSecretSet: boolean;
  clientSecretExpiresAt: string | null;
  /** True within 30 days of the secret's expiry (and after it). */
  clientSecretExpiresSoon: boolean;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post";
  scopes: string[];
  queryParameters: Record<string, string>;
  pkce: boolean;
  /** incomplete until it has a client id and both endpoints (then `missing` is empty). */
  status: "incomplete" | "ok" | "misconfigured";
  missing: string[];
  statusMessage: string | null;
  redirectUri: string;
  /** Microsoft: where a tenant admin grants the permissions for everyone. */
  adminConsentUrl: string | null;
  createdAt: string;
  updatedAt: string;
}
