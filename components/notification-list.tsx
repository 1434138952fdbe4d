"use client";

import { useRouter } from "next/navigation";
import type { PublicNotification } from "#lib/notifications/list-notifications";
import { callApi } from "./api";

export function NotificationList({ notifications }: { notifications: PublicNotification[] }) {
  const router = useRouter();
  if (notifications.length === 0) return <p className="muted">Nothing needs your attention.</p>;
  return (
    <ul data-testid="notifications">
      {notifications.map((notification) => (
        <li key={notification.id} style={{ marginBottom: ".75rem" }}>
          <strong>{notification.title}</strong>
          <br />
          {notification.body} {notification.link && <a href={notification.link}>Open</a>}{" "}
          <button
            type="button"
            className="link"
            style={{ color: "var(--muted)" }}
            onClick={async () => {
              await callApi(`/api/v1/notifications/${notification.id}/read`, { method: "POST" });
              router.refresh();
            }}
          >
            dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
