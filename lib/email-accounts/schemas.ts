import { z } from "zod";
import { hasControlCharacters, UNKNOWN_FIELDS } from "#lib/validation";

// The Email Account body of the REST API (README, "REST API"), shared by the form and the API.

const host = z
  .string()
  .trim()
  .min(1, "is required")
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "must be a host name or an IP address");

const endpoint = z.strictObject({
  host,
  port: z.number().int().min(1).max(65535),
  security: z.enum(["tls", "starttls", "none"]),
  login: z.string().trim().min(1, "is required").max(320),
}, UNKNOWN_FIELDS);

const folder = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((value) => !hasControlCharacters(value), "must not contain control characters");

export const emailAccountFields = z.strictObject({
  emailAddress: z.email({ error: "must be an email address" }).max(320),
  displayName: z.string().trim().max(200).default(""),
  authMethod: z.enum(["oauth", "password"]),
  password: z.string().min(1).max(1000).optional(),
  connectedAppId: z.uuid().nullable().optional(),
  connectedUserId: z.uuid().nullable().optional(),
  servicePrincipal: z.boolean().default(false),
  imap: endpoint,
  smtp: endpoint,
  enableIncoming: z.boolean().default(true),
  enableOutgoing: z.boolean().default(true),
  folders: z.array(folder).min(1).max(50).default(["INBOX"]),
  useIdle: z.boolean().default(true),
  pollIntervalSeconds: z.number().int().min(10).max(86_400).default(60),
  initialSync: z
    .strictObject({
      since: z.coerce.date().optional(),
      newest: z.number().int().min(1).max(1_000_000).optional(),
    }, UNKNOWN_FIELDS)
    .refine((value) => !(value.since && value.newest), "give since or newest, not both")
    .default({}),
  sendLimits: z
    .strictObject({
      perMinute: z.number().int().min(1).max(100_000),
      connections: z.number().int().min(1).max(50),
    }, UNKNOWN_FIELDS)
    .default({ perMinute: 30, connections: 3 }),
  alwaysUseAccountAddressAsSender: z.boolean().default(false),
  alwaysUseAccountNameAsSenderName: z.boolean().default(false),
  // Admins only (lib/email-accounts/default-outgoing.ts); setting it clears it on every other account.
  isDefaultOutgoing: z.boolean().default(false),
  // Copies of sent mail in the Sent folder; left out: on, except for Gmail, which files them itself.
  appendToSent: z.boolean().optional(),
  // The folder for them; null: the one the server marks \Sent.
  sentFolder: folder.nullable().optional(),
}, UNKNOWN_FIELDS);

function checkAuth(value: { authMethod?: string; connectedAppId?: string | null; password?: string }, ctx: z.RefinementCtx, creating: boolean) {
  if (value.authMethod === "oauth" && !value.connectedAppId) {
    ctx.addIssue({ code: "custom", path: ["connectedAppId"], message: "is required when the account signs in with OAuth: choose the Connected App it signs in through" });
  }
  if (creating && value.authMethod === "password" && !value.password) {
    ctx.addIssue({ code: "custom", path: ["password"], message: "is required when the account signs in with a password: enter the mailbox's password" });
  }
}

export const createEmailAccountInput = emailAccountFields.superRefine((value, ctx) => checkAuth(value, ctx, true));
export type CreateEmailAccountInput = z.input<typeof createEmailAccountInput>;

type WithoutDefaults<S extends z.ZodRawShape> = { [K in keyof S]: S[K] extends z.ZodDefault<infer Inner> ? Inner : S[K] };

/**
 * The fields with their defaults taken off: zod keeps a default inside
 * `.partial()`, and a PATCH that leaves a field out must keep its stored
 * value, not reset it to the default.
 */
function withoutDefaults<S extends z.ZodRawShape>(shape: S): WithoutDefaults<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, field instanceof z.ZodDefault ? field.unwrap() : field]),
  ) as WithoutDefaults<S>;
}

/** Partial update: a field left out keeps its value; `imap` and `smtp` are replaced whole when given. */
export const updateEmailAccountInput = z
  .strictObject(withoutDefaults(emailAccountFields.shape), UNKNOWN_FIELDS)
  .partial()
  .extend({
    password: z.string().min(1).max(1000).nullable().optional(),
  })
  .superRefine((value, ctx) => checkAuth({ ...value, password: value.password ?? undefined }, ctx, false));
export type UpdateEmailAccountInput = z.input<typeof updateEmailAccountInput>;

export interface PublicEmailAccount {
  id: string;
  ownerId: string;
  emailAddress: string;
  displayName: string;
  authMethod: "oauth" | "password";
  passwordSet: boolean;
  connectedAppId: string | null;
  connectedUserId: string | null;
  servicePrincipal: boolean;
  imap: { host: string; port: number; security: "tls" | "starttls" | "none"; login: string };
  smtp: { host: string; port: number; security: "tls" | "starttls" | "none"; login: string };
  enableIncoming: boolean;
  enableOutgoing: boolean;
  folders: string[];
  useIdle: boolean;
  pollIntervalSeconds: number;
  initialSync: { since?: string; newest?: number };
  sendLimits: { perMinute: number; connections: number };
  alwaysUseAccountAddressAsSender: boolean;
  alwaysUseAccountNameAsSenderName: boolean;
  isDefaultOutgoing: boolean;
  appendToSent: boolean;
  sentFolder: string | null;
  incomingStatus: "active" | "syncing" | "paused";
  outgoingStatus: "active" | "syncing" | "paused";
  incomingPausedReason: string | null;
  outgoingPausedReason: string | null;
  lastError: string | null;
  lastSyncAt: string | null;
  messagesSynced: number;
  createdAt: string;
  updatedAt: string;
}
