"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { PublicUser } from "../lib/users/schemas";
import { callApi } from "./api";

export function UserActions({ user }: { user: PublicUser }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);

  async function change(body: Partial<Pick<PublicUser, "enabled" | "role">>) {
    setError(null);
    try {
      await callApi(`/api/v1/users/${user.id}`, { method: "PATCH", body });
      router.refresh();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not change the user");
    }
  }

  return (
    <span style={{ display: "flex", gap: ".5rem" }}>
      <button type="button" className="secondary" onClick={() => change({ enabled: !user.enabled })}>
        {user.enabled ? "Disable" : "Enable"}
      </button>
      <button type="button" className="secondary" onClick={() => change({ role: user.role === "admin" ? "user" : "admin" })}>
        {user.role === "admin" ? "Make user" : "Make admin"}
      </button>
      {error && <span className="error">{error}</span>}
    </span>
  );
}
