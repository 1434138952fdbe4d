import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getMessageOrThrow } from "#lib/messages/get-message-or-throw";

export const metadata = { title: "Message · Connected Apps" };

export default async function MessagePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let message;
  try {
    message = await getMessageOrThrow(db(), id, user);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  return (
    <section className="card">
      <h1 data-testid="message-subject">{message.subject || "(no subject)"}</h1>
      <dl>
        <dt>From</dt>
        <dd>{message.from}</dd>
        <dt>To</dt>
        <dd>{message.to.join(", ")}</dd>
        {message.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd>{message.cc.join(", ")}</dd>
          </>
        )}
        <dt>Date</dt>
        <dd>{message.date ? new Date(message.date).toLocaleString("en-GB") : ""}</dd>
      </dl>
      <div className="actions">
        <Link className="button" href={`/email-accounts/${message.emailAccountId}/compose?reply=${message.id}`}>Reply</Link>
        <a className="button" href={`/api/v1/messages/${message.id}/raw`}>Download .eml</a>
        <Link href={`/email-accounts/${message.emailAccountId}/messages?folder=${encodeURIComponent(message.folder)}`}>Back to {message.folder}</Link>
      </div>
      {message.skippedReason && <p className="error">The body was not stored: {message.skippedReason}</p>}
      {message.html ? (
        <>
          {message.blockedRemoteContent > 0 && <p className="muted">Remote content blocked ({message.blockedRemoteContent} items).</p>}
          {/* Sanitised HTML, and still in a sandbox without scripts or same-origin access. */}
          <iframe title="Message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={message.html} style={{ width: "100%", minHeight: "24rem", border: "1px solid var(--line)" }} />
        </>
      ) : (
        <pre data-testid="message-text" style={{ whiteSpace: "pre-wrap" }}>{message.text}</pre>
      )}
      {message.attachments.length > 0 && (
        <>
          <h2>Attachments</h2>
          <ul>
            {message.attachments.map((attachment) => (
              <li key={attachment.id}>
                <a href={`/api/v1/attachments/${attachment.id}`}>{attachment.filename ?? "attachment"}</a> ({attachment.contentType}, {attachment.size} bytes)
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
