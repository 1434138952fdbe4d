import { isIP } from "node:net";
import { z } from "zod";

/**
 * The only reader of process.env in this code base (docs/architecture.md, "Walls").
 * Every entry point calls loadEnv() first, so a bad setting stops the process
 * at boot with one message naming each variable, never deep inside a job.
 */

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const commaList = z.preprocess(
  (value) =>
    typeof value === "string"
      ? value.split(",").map((part) => part.trim()).filter(Boolean)
      : [],
  z.array(z.string()),
);
/** A TRUSTED_PROXIES entry: an IP address, or a network in CIDR notation. */
function isAddressOrNetwork(entry: string): boolean {
  const [address, bits, extra] = entry.split("/");
  const version = isIP(address ?? "");
  if (version === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}
const positiveInt = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().default(fallback));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
    APP_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default("./.data")),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).optional(),
    ),
    ENCRYPTION_KEYS: optionalString,
    NEXTAUTH_SECRET: z.preprocess(
      emptyAsUndefined,
      z.string().min(32, "must be at least 32 characters").optional(),
    ),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    INSECURE_OAUTH_HOSTS: commaList,
    // Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks); none by default.
    TRUSTED_PROXIES: commaList.pipe(
      z.array(z.string().refine(isAddressOrNetwork, "each entry must be an IP address or a network such as 10.0.0.0/8")),
    ),
    TOKEN_REFRESH_MARGIN_SECONDS: positiveInt(300),
    MAIL_MAX_MESSAGE_BYTES: positiveInt(26_214_400),
    HTTPS_PROXY: z.preprocess(emptyAsUndefined, z.url().optional()),
    NO_PROXY: commaList,
    AUTH_OIDC_ISSUER: z.preprocess(emptyAsUndefined, z.url().optional()),
    AUTH_OIDC_CLIENT_ID: optionalString,
    AUTH_OIDC_CLIENT_SECRET: optionalString,
  })
  .superRefine((value, ctx) => {
    const oidc = [value.AUTH_OIDC_ISSUER, value.AUTH_OIDC_CLIENT_ID, value.AUTH_OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_OIDC_ISSUER"],
        message: "AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID and AUTH_OIDC_CLIENT_SECRET go together: set all three or none",
      });
    }
  })
  .transform((value) => ({
    ...value,
    APP_URL: (value.APP_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ""),
  }));

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses a set of variables; exported so tests can check the rules without touching process.env. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Accept lower-case https_proxy/no_proxy too: curl and most tools do.
  const withProxyAliases = {
    ...source,
    HTTPS_PROXY: source.HTTPS_PROXY ?? source.https_proxy,
    NO_PROXY: source.NO_PROXY ?? source.no_proxy,
  };
  const result = schema.safeParse(withProxyAliases);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated configuration of this process, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * Sets variables that the launcher resolved at boot (embedded database URL,
 * generated secrets) so that this process and the children it spawns see them.
 */
export function setRuntimeEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
  cached = undefined;
}

/** The variables to hand to a child process (it inherits ours plus the runtime ones). */
export function childProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}
