import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getMessageOrThrow } from "#lib/messages/get-message-or-throw";
import { markMessageRead } from "#lib/messages/mark-message-read";
import { messageHtmlWithRemoteImages } from "#lib/messages/remote-images";
import { AccountTabs } from "#components/account-tabs";
import { formatBytes } from "#components/format-bytes";
import { LocalTime } from "#components/local-time";
import { PaperclipIcon } from "#components/ui/paperclip-icon";

export const metadata = { title: "Message · Connected Apps" };

/**
 * One received message. Opening it here marks it read. Its HTML shows with
 * remote content blocked; "Show remote images" reloads the page with them
 * (https only, this message only: the page's CSP allows them on that load).
 */
export default async function MessagePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ images?: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const { images } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let message;
  try {
    message = await getMessageOrThrow(db(), id, user);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  const account = await db().emailAccount.findUniqueOrThrow({ where: { id: message.emailAccountId }, select: { emailAddress: true, ownerId: true } });
  // Read by its owner; an admin looking at someone's mailbox leaves it as it was.
  if (account.ownerId === user.id) await markMessageRead(db(), id);
  const showRemote = images === "remote" && message.blockedRemoteContent > 0;
  const html = showRemote ? ((await messageHtmlWithRemoteImages(db(), id, user)) ?? message.html) : message.html;
  const compose = `/email-accounts/${message.emailAccountId}/compose`;
  return (
    <section className="card">
      <AccountTabs accountId={message.emailAccountId} address={account.emailAddress} current="messages" />
      <h1 data-testid="message-subject" className="break-words">
        {message.subject || "(no subject)"}
      </h1>
      <dl className="facts">
        <dt>From</dt>
        <dd className="break-words">{message.from}</dd>
        <dt>To</dt>
        <dd className="break-words">{message.to.join(", ")}</dd>
        {message.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd className="break-words">{message.cc.join(", ")}</dd>
          </>
        )}
        <dt>Date</dt>
        <dd>
          <LocalTime iso={message.date} />
        </dd>
      </dl>
      <div className="actions my-3">
        <Link className="button" href={`${compose}?reply=${message.id}`}>
          Reply
        </Link>
        <Link className="button secondary" href={`${compose}?replyAll=${message.id}`}>
          Reply all
        </Link>
        <Link className="button secondary" href={`${compose}?forward=${message.id}`}>
          Forward
        </Link>
        <a className="button secondary" href={`/api/v1/messages/${message.id}/raw`}>
          Download .eml
        </a>
        <Link href={`/email-accounts/${message.emailAccountId}/messages?folder=${encodeURIComponent(message.folder)}`}>Back to {message.folder}</Link>
      </div>
      {message.skippedReason && <p className="banner warn">The body was not stored: {message.skippedReason}</p>}
      {html ? (
        <>
          {message.blockedRemoteContent > 0 &&
            (showRemote ? (
              <p className="muted text-sm" data-testid="remote-images">
                Showing remote images: the senders can see that you opened this message.{" "}
                <a href={`/messages/${message.id}`}>Block them again</a>
              </p>
            ) : (
              <p className="banner warn text-sm" data-testid="remote-images">
                {message.blockedRemoteContent} remote image{message.blockedRemoteContent > 1 ? "s" : ""} blocked, so the sender cannot see when you read this.{" "}
                {/* A full page load, not a client navigation: the page's CSP decides whether the images may load. */}
                <a href={`/messages/${message.id}?images=remote`}>Show remote images</a>
              </p>
            ))}
          {/* Sanitised HTML, and still in a sandbox without scripts or same-origin access. */}
          <iframe title="Message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={html} className="min-h-96 w-full border border-line" />
        </>
      ) : (
        <pre data-testid="message-text" className="break-words whitespace-pre-wrap">
          {message.text}
        </pre>
      )}
      {message.attachments.length > 0 && (
        <>
          <h2>
            <PaperclipIcon /> Files
          </h2>
          <ul className="space-y-1" data-testid="attachments">
            {message.attachments.map((attachment) => (
              <li key={attachment.id} className="break-words">
                <a href={`/api/v1/attachments/${attachment.id}`}>{attachment.filename ?? "attachment"}</a>{" "}
                <span className="muted text-sm">
                  {formatBytes(attachment.size)} · {attachment.contentType}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
