"use client";

import { useState, type FormEvent } from "react";
import { callApi, signInWithPassword } from "./api";
import { ActionError } from "./ui/action-error";

export function SetupForm() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    if (password !== form.get("confirm")) {
      setError("The two passwords differ");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await callApi("/api/v1/setup", { method: "POST", body: { setupCode: String(form.get("setupCode")), email, name: String(form.get("name")), password } });
      const failure = await signInWithPassword(email, password);
      window.location.assign(failure ? "/login" : "/");
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not create the admin");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="setupCode">Setup code</label>
      <input id="setupCode" name="setupCode" autoComplete="off" spellCheck={false} placeholder="XXXX-XXXX-XXXX" required />
      <label htmlFor="name">Name</label>
      <input id="name" name="name" autoComplete="name" />
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required />
      <label htmlFor="password">Password (at least 10 characters)</label>
      <input id="password" name="password" type="password" autoComplete="new-password" minLength={10} required />
      <label htmlFor="confirm">Repeat the password</label>
      <input id="confirm" name="confirm" type="password" autoComplete="new-password" minLength={10} required />
      <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create admin"}</button>
      <ActionError message={error} />
    </form>
  );
}
