import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { getMessageOrThrow } from "#lib/messages/get-message-or-throw";
import { replyDefaults, type ReplyMode } from "#lib/messages/reply-defaults";
import { AccountTabs } from "#components/account-tabs";
import { ComposeForm, type ComposeDefaults } from "#components/compose-form";

export const metadata = { title: "Write a message · Connected Apps" };

const UUID = /^[0-9a-f-]{36}$/i;
const HEADINGS: Record<ReplyMode | "new", string> = { new: "New message", reply: "Reply", replyAll: "Reply to all", forward: "Forward" };

type Search = { reply?: string; replyAll?: string; forward?: string };

export default async function ComposePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Search> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const search = await searchParams;
  if (!UUID.test(id)) notFound();
  // ?reply=, ?replyAll= or ?forward= with the id of the message answered.
  const mode = (["reply", "replyAll", "forward"] as const).find((name) => typeof search[name] === "string" && UUID.test(search[name]!));
  let account;
  let defaults: ComposeDefaults = { to: "", cc: "", subject: "", text: "" };
  try {
    account = await getEmailAccountOrThrow(db(), id, user);
    if (mode) defaults = replyDefaults(await getMessageOrThrow(db(), search[mode]!, user), mode, account.emailAddress);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  return (
    <section className="card">
      <AccountTabs accountId={id} address={account.emailAddress} current="compose" />
      <h1>
        {HEADINGS[mode ?? "new"]} <span className="muted text-base font-normal">from {account.emailAddress}</span>
      </h1>
      {!account.enableOutgoing && <p className="banner bad">Sending is switched off for this account: turn it on under Settings first.</p>}
      {account.outgoingStatus === "paused" && <p className="banner warn">Sending is paused: {account.outgoingPausedReason} Messages wait in the queue until it resumes.</p>}
      <ComposeForm accountId={id} defaults={defaults} maxMessageBytes={env().MAIL_MAX_MESSAGE_BYTES} />
    </section>
  );
}
