"use client";

/** Calls our JSON API from the browser; throws the API's own error message. */
export async function callApi<T>(path: string, init: { method: string; body?: unknown }): Promise<T> {
  const response = await fetch(path, {
    method: init.method,
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const data = (await response.json().catch(() => null)) as
    | { error?: { message?: string; issues?: { path: string; message: string }[] } }
    | null;
  if (!response.ok) {
    const issues = data?.error?.issues?.map((issue) => `${issue.path || "input"}: ${issue.message}`);
    throw new Error(issues?.length ? issues.join("; ") : (data?.error?.message ?? `Request failed (${response.status})`));
  }
  return data as T;
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
