"use client";

import { useRouter } from "next/navigation";
import type { PublicUser } from "#lib/users/schemas";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

export function UserActions({ user }: { user: PublicUser }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction();

  const change = (body: Partial<Pick<PublicUser, "enabled" | "role">>) =>
    run(async () => {
      await callApi(`/api/v1/users/${user.id}`, { method: "PATCH", body });
      router.refresh();
    }, "Could not change the user");

  return (
    <span style={{ display: "flex", gap: ".5rem" }}>
      <button type="button" className="secondary" disabled={busy} onClick={() => change({ enabled: !user.enabled })}>
        {user.enabled ? "Disable" : "Enable"}
      </button>
      <button type="button" className="secondary" disabled={busy} onClick={() => change({ role: user.role === "admin" ? "user" : "admin" })}>
        {user.role === "admin" ? "Make user" : "Make admin"}
      </button>
      {error && <span className="error">{error}</span>}
    </span>
  );
}
