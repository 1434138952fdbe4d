import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { getMessageOrThrow } from "#lib/messages/get-message-or-throw";
import { senderAddress } from "#lib/messages/sender-address";
import { ComposeForm, type ComposeDefaults } from "#components/compose-form";

export const metadata = { title: "Write a message · Connected Apps" };

export default async function ComposePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ reply?: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const { reply } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let account;
  let defaults: ComposeDefaults = { to: "", subject: "", text: "" };
  try {
    account = await getEmailAccountOrThrow(db(), id, user);
    if (reply && /^[0-9a-f-]{36}$/i.test(reply)) {
      const original = await getMessageOrThrow(db(), reply, user);
      defaults = {
        to: senderAddress(original.from),
        subject: original.subject?.startsWith("Re:") ? original.subject : `Re: ${original.subject ?? ""}`,
        text: `\n\nOn ${original.date ? new Date(original.date).toUTCString() : "an earlier date"}, ${original.from ?? "someone"} wrote:\n${(original.text ?? "").split("\n").map((line) => `> ${line}`).join("\n")}`,
        inReplyTo: original.messageId ?? undefined,
        references: [...original.references, ...(original.messageId ? [original.messageId] : [])],
      };
    }
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  return (
    <section className="card">
      <h1>{reply ? "Reply" : "New message"} from {account.emailAddress}</h1>
      {!account.enableOutgoing && <p className="error">Sending is switched off for this account.</p>}
      {account.outgoingStatus === "paused" && <p className="error">Sending is paused: {account.outgoingPausedReason}</p>}
      <ComposeForm accountId={id} defaults={defaults} />
    </section>
  );
}
