import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { listMessages } from "#lib/messages/list-messages";
import { SyncNowButton } from "#components/sync-now-button";

export const metadata = { title: "Messages · Connected Apps" };

export default async function MessagesPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ folder?: string; cursor?: string }>;
}) {
  const user = await requirePageUser();
  const { id } = await params;
  const { folder = "INBOX", cursor } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let account;
  try {
    account = await getEmailAccountOrThrow(db(), id, user);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  const page = await listMessages(db(), { emailAccountId: id, caller: user, folder, limit: 50, cursor });
  return (
    <section className="card">
      <div className="row">
        <h1 style={{ flex: 1 }}>{account.emailAddress}</h1>
        <SyncNowButton accountId={id} />
        <Link className="button" href={`/email-accounts/${id}/compose`}>Compose</Link>
      </div>
      <p className="muted">
        Folder:{" "}
        {account.folders.map((name) => (
          <Link key={name} href={`/email-accounts/${id}/messages?folder=${encodeURIComponent(name)}`} style={{ marginRight: ".75rem", fontWeight: name === folder ? 700 : 400 }}>
            {name}
          </Link>
        ))}
        · {account.messagesSynced} synced · last sync {account.lastSyncAt ? account.lastSyncAt.toLocaleString("en-GB") : "never"}
      </p>
      {page.items.length === 0 ? (
        <p className="muted">No messages here yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>From</th><th>Subject</th><th>Date</th><th /></tr>
          </thead>
          <tbody>
            {page.items.map((message) => (
              <tr key={message.id} data-testid="message-row">
                <td>{message.from ?? ""}</td>
                <td><Link href={`/messages/${message.id}`}>{message.subject || "(no subject)"}</Link></td>
                <td>{message.date ? new Date(message.date).toLocaleString("en-GB") : ""}</td>
                <td>{message.attachments.length > 0 ? `📎 ${message.attachments.length}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.nextCursor && (
        <p>
          <Link href={`/email-accounts/${id}/messages?folder=${encodeURIComponent(folder)}&cursor=${page.nextCursor}`}>Older messages</Link>
        </p>
      )}
    </section>
  );
}
