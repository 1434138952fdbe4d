import { env } from "#lib/env";
import { AppError, type ValidationIssue } from "#lib/errors";

const ENDPOINT_FIELDS = [
  "openidConfigurationUrl",
  "authorizationUri",
  "tokenUri",
  "revocationUri",
  "userinfoUri",
  "introspectionUri",
] as const;

/**
 * Provider endpoints must use https, except on hosts listed in
 * INSECURE_OAUTH_HOSTS (tests, demos). Addresses are checked again, after DNS
 * resolution, on every call (lib/net/safe-fetch.ts).
 */
export function checkEndpointUrls(values: Partial<Record<(typeof ENDPOINT_FIELDS)[number], string | null | undefined>>): void {
  const insecureHosts = env().INSECURE_OAUTH_HOSTS.map((host) => host.toLowerCase());
  const issues: ValidationIssue[] = [];
  for (const field of ENDPOINT_FIELDS) {
    const value = values[field];
    if (!value) continue;
    const url = new URL(value);
    if (url.protocol !== "https:" && !insecureHosts.includes(url.hostname.toLowerCase())) {
      issues.push({ path: field, message: `must use https (${url.hostname} is not in INSECURE_OAUTH_HOSTS)` });
    }
  }
  if (issues.length > 0) {
    throw new AppError("validation_failed", issues.map((issue) => `${issue.path}: ${issue.message}`).join("; "), issues);
  }
}
