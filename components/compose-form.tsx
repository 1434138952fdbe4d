"use client";

import { useEffect, useState, type FormEvent } from "react";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

export interface ComposeDefaults {
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
}

interface OutboundRecord {
  id: string;
  messageId: string;
  status: "queued" | "sending" | "sent" | "failed";
  attempts?: { at: string; ok: boolean; response: string }[];
  lastError?: string | null;
  acceptedRecipients?: string[];
  retryRecipients?: string[];
}

const split = (value: string) => value.split(/[,;]/).map((part) => part.trim()).filter(Boolean);

/** Queues a message (new or reply, threaded) and follows its delivery status and attempts. */
export function ComposeForm({ accountId, defaults }: { accountId: string; defaults: ComposeDefaults }) {
  const [record, setRecord] = useState<OutboundRecord | null>(null);
  const { busy, error, run } = useApiAction();
  // One idempotency key per form: a double submit or a retry after a network error queues one message.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  useEffect(() => {
    if (!record || record.status === "sent" || record.status === "failed") return;
    const timer = setInterval(async () => {
      try {
        setRecord(await callApi<OutboundRecord>(`/api/v1/outbound/${record.id}`, { method: "GET" }));
      } catch {
        // keep polling
      }
    }, 1_000);
    return () => clearInterval(timer);
  }, [record]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await run(async () => {
      setRecord(
        await callApi<OutboundRecord>(`/api/v1/email-accounts/${accountId}/outbound`, {
          method: "POST",
          body: {
            to: split(String(form.get("to"))),
            cc: split(String(form.get("cc") ?? "")),
            subject: String(form.get("subject")),
            text: String(form.get("text")),
            ...(defaults.inReplyTo ? { inReplyTo: defaults.inReplyTo, references: defaults.references } : {}),
            idempotencyKey,
          },
        }),
      );
    }, "Could not queue the message");
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="to">To</label>
      <input id="to" name="to" defaultValue={defaults.to} required />
      <label htmlFor="cc">Cc</label>
      <input id="cc" name="cc" />
      <label htmlFor="subject">Subject</label>
      <input id="subject" name="subject" defaultValue={defaults.subject} required />
      <label htmlFor="text">Message</label>
      <textarea id="text" name="text" defaultValue={defaults.text} rows={12} style={{ width: "100%", boxSizing: "border-box" }} required />
      <button type="submit" disabled={busy || record !== null}>{busy ? "Queuing…" : "Send"}</button>
      {record && (
        <div data-testid="delivery" className={record.status === "failed" ? "error" : "notice"}>
          <p>
            Delivery: <strong data-testid="delivery-status">{record.status}</strong> ({record.messageId})
            {record.lastError ? ` · ${record.lastError}` : ""}
          </p>
          {record.status === "queued" && record.retryRecipients && record.retryRecipients.length > 0 && (
            <p data-testid="delivery-partial">
              Delivered to {record.acceptedRecipients?.join(", ") || "no one yet"}; trying again for {record.retryRecipients.join(", ")}.
            </p>
          )}
          {record.attempts && record.attempts.length > 0 && (
            <ul>
              {record.attempts.map((attempt) => (
                <li key={attempt.at}>
                  {new Date(attempt.at).toLocaleTimeString("en-GB")}: {attempt.ok ? "accepted" : "refused"} · {attempt.response}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
