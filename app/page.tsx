import Link from "next/link";
import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { isSetupDone } from "#lib/users/create-first-admin";
import { requirePageUser } from "#lib/auth/current-user";
import { listNotifications } from "#lib/notifications/list-notifications";
import { NotificationList } from "#components/notification-list";

export default async function DashboardPage() {
  if (!(await isSetupDone(db()))) redirect("/setup");
  const user = await requirePageUser();
  const notifications = await listNotifications(db(), user.id, { unreadOnly: true });
  return (
    <>
      <section className="card">
        <h1>Dashboard</h1>
        <p>
          Signed in as <strong>{user.name}</strong> ({user.email}), role <span className="badge">{user.role}</span>.
        </p>
        <p className="muted">
          Connect your accounts under <Link href="/connections">My connections</Link>
          {user.role === "admin" && (
            <>
              ; register providers under <Link href="/admin/connected-apps">Connected Apps</Link>
            </>
          )}
          .
        </p>
      </section>
      <section className="card">
        <h2>Notifications</h2>
        <NotificationList notifications={notifications} />
      </section>
    </>
  );
}
