"use client";

export interface ApiIssue {
  path: string;
  message: string;
}

/**
 * A refusal of our API: its code, its message, and for 400 validation_failed
 * the issues by field path ("to.1", "attachments.0.filename"), which forms
 * show next to their fields (use-api-action.ts).
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly issues: ApiIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Calls our JSON API from the browser; throws ApiError with the API's own words. */
export async function callApi<T>(path: string, init: { method: string; body?: unknown }): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method,
      headers: init.body === undefined ? undefined : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError("Could not reach the server: check the connection and try again", 0, null, []);
  }
  const data = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; issues?: ApiIssue[] } } | null;
  if (!response.ok) {
    const issues = data?.error?.issues ?? [];
    const message =
      issues.length > 0
        ? issues.map((issue) => describeIssue(issue)).join(" ")
        : (data?.error?.message ?? (response.status === 401 ? "Your session has ended: sign in again" : `The request failed (HTTP ${response.status})`));
    throw new ApiError(message, response.status, data?.error?.code ?? null, issues);
  }
  return data as T;
}

/**
 * An issue as a sentence for a person: "To, address 2: must be an email
 * address." The path's first part is the field, a number the entry.
 */
export function describeIssue(issue: ApiIssue, labels: Record<string, FieldLabel> = {}): string {
  const [field = "", ...rest] = issue.path.split(".");
  const label = labels[field];
  const parts: string[] = [label?.name ?? humanize(field)];
  for (const segment of rest) parts.push(/^\d+$/.test(segment) ? `${label?.item ?? "entry"} ${Number(segment) + 1}` : humanize(segment).toLowerCase());
  const where = parts.filter(Boolean).join(", ");
  const sentence = issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
  return where ? `${where}: ${issue.message}.` : `${sentence}.`;
}

/** How a form names one of its fields in messages: "To", and its entries "address". */
export interface FieldLabel {
  name: string;
  item?: string;
}

function humanize(key: string): string {
  if (!key) return "";
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Signs in through next-auth's credentials endpoint (what next-auth/react's
 * signIn does), but keeps the HTTP status so a 429 lockout can be told apart.
 */
export async function signInWithPassword(email: string, password: string): Promise<string | null> {
  const { csrfToken } = (await (await fetch("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-return-redirect": "1" },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: "/", json: "true" }),
  });
  if (response.status === 429) {
    const data = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    return data?.error?.message ?? "Too many failed sign-ins: wait a minute";
  }
  const data = (await response.json().catch(() => ({}))) as { url?: string };
  const error = data.url ? new URL(data.url, window.location.origin).searchParams.get("error") : "Sign-in failed";
  return error ? "Wrong email or password" : null;
}
