"use client";

import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { signInWithPassword } from "./api";
import { ActionError } from "./ui/action-error";

/** `next`: the local path to go to once signed in (checked by the page). */
export function LoginForm({ initialError, companySignIn, next }: { initialError: string | null; companySignIn: boolean; next: string }) {
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const failure = await signInWithPassword(String(form.get("email")), String(form.get("password")));
      if (failure) setError(failure);
      else window.location.assign(next);
    } catch {
      setError("Could not reach the server");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      {companySignIn && (
        <button type="button" className="secondary" style={{ marginLeft: "1rem" }} onClick={() => signIn("oidc", { callbackUrl: next })}>
          Sign in with your company account
        </button>
      )}
      <ActionError message={error} />
    </form>
  );
}
