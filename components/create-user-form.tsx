"use client";

import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

export function CreateUserForm() {
  const router = useRouter();
  const { busy, error, run } = useApiAction();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    await run(async () => {
      await callApi("/api/v1/users", {
        method: "POST",
        body: {
          email: form.get("email"),
          name: form.get("name"),
          password: form.get("password"),
          role: form.get("role"),
        },
      });
      formElement.reset();
      router.refresh();
    }, "Could not create the user");
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="new-email">Email</label>
      <input id="new-email" name="email" type="email" required />
      <label htmlFor="new-name">Name</label>
      <input id="new-name" name="name" />
      <label htmlFor="new-password">Initial password (at least 10 characters)</label>
      <input id="new-password" name="password" type="password" autoComplete="new-password" minLength={10} required />
      <label htmlFor="new-role">Role</label>
      <select id="new-role" name="role" defaultValue="user">
        <option value="user">user</option>
        <option value="admin">admin</option>
      </select>
      <button type="submit" disabled={busy}>{busy ? "Adding…" : "Add user"}</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
