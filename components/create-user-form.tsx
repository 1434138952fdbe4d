"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { callApi } from "./api";
import { describedBy, FieldError } from "./ui/field-error";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

const FIELDS = { email: { name: "Email" }, name: { name: "Name" }, password: { name: "Initial password" }, role: { name: "Role" } };

export function CreateUserForm() {
  const router = useRouter();
  const { busy, error, fieldErrors, run } = useApiAction(FIELDS);
  const [added, setAdded] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setAdded(null);
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
      setAdded(String(form.get("email")));
      formElement.reset();
      router.refresh();
    }, "Could not create the user");
  }

  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor="new-email">Email</label>
      <input id="new-email" name="email" type="email" required {...describedBy("email", fieldErrors)} />
      <FieldError name="email" errors={fieldErrors} />
      <label htmlFor="new-name">Name</label>
      <input id="new-name" name="name" {...describedBy("name", fieldErrors)} />
      <FieldError name="name" errors={fieldErrors} />
      <label htmlFor="new-password">Initial password (10 to 200 characters)</label>
      <input id="new-password" name="password" type="password" autoComplete="new-password" minLength={10} required {...describedBy("password", fieldErrors)} />
      <FieldError name="password" errors={fieldErrors} />
      <label htmlFor="new-role">Role</label>
      <select id="new-role" name="role" defaultValue="user">
        <option value="user">user</option>
        <option value="admin">admin</option>
      </select>
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add user"}
      </button>
      {added && (
        <p className="notice" role="status" data-testid="user-added">
          Added {added}: they can sign in now with that password.
        </p>
      )}
      <ActionError message={error} />
    </form>
  );
}
