"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { PublicUser } from "#lib/users/schemas";
import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/** An admin's actions on another user: each asks first, and says what it did. */
export function UserActions({ user }: { user: PublicUser }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction();
  const [done, setDone] = useState<string | null>(null);
  const [password, setPassword] = useState("");

  const change = (body: Partial<Pick<PublicUser, "enabled" | "role">> & { password?: string }, said: string) =>
    run(async () => {
      await callApi(`/api/v1/users/${user.id}`, { method: "PATCH", body });
      setDone(said);
      router.refresh();
    }, "Could not change the user");

  async function setNewPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await change({ password }, `New password set for ${user.email}; their sessions ended.`);
    setPassword("");
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="actions">
        <ConfirmButton
          title={user.enabled ? `Disable ${user.email}?` : `Enable ${user.email}?`}
          description={
            user.enabled
              ? "They are signed out everywhere at once, their API keys stop working, their mail accounts pause and their queued mail waits."
              : "They can sign in again; their mail accounts resume."
          }
          confirmLabel={user.enabled ? "Disable" : "Enable"}
          danger={user.enabled}
          disabled={busy}
          onConfirm={() => change({ enabled: !user.enabled }, `${user.email} is ${user.enabled ? "disabled" : "enabled"}.`)}
        >
          {user.enabled ? "Disable" : "Enable"}
        </ConfirmButton>
        <ConfirmButton
          title={user.role === "admin" ? `Make ${user.email} a user?` : `Make ${user.email} an admin?`}
          description={
            user.role === "admin"
              ? "They lose the admin pages. Their current sessions end; they sign in again."
              : "They can then manage Connected Apps, users and every mail account. Their current sessions end; they sign in again."
          }
          confirmLabel={user.role === "admin" ? "Make user" : "Make admin"}
          disabled={busy}
          onConfirm={() => change({ role: user.role === "admin" ? "user" : "admin" }, `${user.email} is now ${user.role === "admin" ? "a user" : "an admin"}.`)}
        >
          {user.role === "admin" ? "Make user" : "Make admin"}
        </ConfirmButton>
      </div>
      <form onSubmit={setNewPassword} className="row">
        <label htmlFor={`password-${user.id}`} className="sr-only">
          New password for {user.email}
        </label>
        <input
          id={`password-${user.id}`}
          type="password"
          autoComplete="new-password"
          minLength={10}
          maxLength={200}
          placeholder="new password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
        <button type="submit" className="secondary" disabled={busy}>
          Set password
        </button>
      </form>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <ActionError message={error} />
    </div>
  );
}
