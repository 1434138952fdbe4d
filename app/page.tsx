import Link from "next/link";
import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { isSetupDone } from "#lib/users/create-first-admin";
import { requirePageUser } from "#lib/auth/current-user";
import { listNotifications } from "#lib/notifications/list-notifications";
import { listMailWorkers } from "#lib/mail/list-mail-workers";
import { mailActivity } from "#lib/overview/mail-activity";
import { needsAction } from "#lib/overview/needs-action";
import { MailActivityChart } from "#components/mail-activity-chart";
import { MailWorkersTable } from "#components/mail-workers-table";
import { NeedsActionList } from "#components/needs-action-list";
import { NotificationList } from "#components/notification-list";

export const metadata = { title: "Dashboard · Connected Apps" };

/** What needs the signed-in person, their mail of the last day, and (for admins) the workers. */
export default async function DashboardPage() {
  if (!(await isSetupDone(db()))) redirect("/setup");
  const user = await requirePageUser();
  const admin = user.role === "admin";
  const [groups, hours, notifications, workers] = await Promise.all([
    needsAction(db(), user),
    mailActivity(db(), user),
    listNotifications(db(), user.id, { unreadOnly: true }),
    admin ? listMailWorkers(db()) : null,
  ]);
  return (
    <>
      <h1>Dashboard</h1>
      <div className="grid gap-6 lg:grid-cols-2">
        <section className="card" aria-labelledby="needs-action-heading">
          <h2 id="needs-action-heading">Needs action</h2>
          <NeedsActionList groups={groups} />
        </section>
        <section className="card" aria-labelledby="mail-heading">
          <h2 id="mail-heading">Mail, last 24 hours</h2>
          <MailActivityChart hours={hours} />
        </section>
      </div>
      {workers && (
        <section className="card" id="workers" aria-labelledby="workers-heading">
          <h2 id="workers-heading">Mail workers</h2>
          <MailWorkersTable workers={workers} />
        </section>
      )}
      <section className="card" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        <NotificationList notifications={notifications} />
      </section>
      <p className="muted text-sm">
        Signed in as {user.name} ({user.email}), {admin ? "an admin" : "a user"}. Connect your accounts under <Link href="/connections">My connections</Link>.
      </p>
    </>
  );
}
