"use client";

import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import type { ReplyDefaults } from "#lib/messages/reply-defaults";
import { callApi } from "./api";
import { formatBytes } from "./format-bytes";
import { describedBy, FieldError } from "./ui/field-error";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/** What the form starts with: empty, or a reply, reply-all or forward of a received message (lib/messages/reply-defaults.ts). */
export type ComposeDefaults = ReplyDefaults;
type ForwardedFile = NonNullable<ReplyDefaults["forwardedFiles"]>[number];

const split = (value: string) =>
  value
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter(Boolean);

const FIELDS = {
  to: { name: "To", item: "address" },
  cc: { name: "Cc", item: "address" },
  bcc: { name: "Bcc", item: "address" },
  subject: { name: "Subject" },
  text: { name: "Message" },
  attachments: { name: "Files", item: "file" },
};

/** A picked file's bytes as base64, in slices (String.fromCharCode takes a bounded number of arguments). */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

/** Files go out base64-encoded: about 4/3 of their size, which is what the server's limit counts. */
const onTheWire = (bytes: number) => Math.ceil((bytes * 4) / 3);

/**
 * Writes a message (new, reply, reply all or forward, threaded) with files,
 * queues it, and goes to the account's Sent list, which follows its delivery.
 */
export function ComposeForm({ accountId, defaults, maxMessageBytes }: { accountId: string; defaults: ComposeDefaults; maxMessageBytes: number }) {
  const router = useRouter();
  const { busy, error, fieldErrors, run } = useApiAction(FIELDS);
  // One idempotency key per form: a double submit or a retry after a network error queues one message.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [files, setFiles] = useState<{ key: string; file: File }[]>([]);
  const [forwarded, setForwarded] = useState<ForwardedFile[]>(defaults.forwardedFiles ?? []);
  const [showBcc, setShowBcc] = useState(false);
  const picker = useRef<HTMLInputElement>(null);

  const total = files.reduce((sum, { file }) => sum + file.size, 0) + forwarded.reduce((sum, file) => sum + file.size, 0);
  const tooLarge = onTheWire(total) > maxMessageBytes;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (tooLarge) return;
    const form = new FormData(event.currentTarget);
    await run(async () => {
      const attachments = [
        ...forwarded.map((file) => ({ receivedAttachmentId: file.id })),
        ...(await Promise.all(files.map(async ({ file }) => ({ filename: file.name, ...(file.type ? { contentType: file.type } : {}), contentBase64: await base64Of(file) })))),
      ];
      const record = await callApi<{ id: string }>(`/api/v1/email-accounts/${accountId}/outbound`, {
        method: "POST",
        body: {
          to: split(String(form.get("to"))),
          cc: split(String(form.get("cc") ?? "")),
          bcc: split(String(form.get("bcc") ?? "")),
          subject: String(form.get("subject")),
          text: String(form.get("text")),
          ...(defaults.inReplyTo ? { inReplyTo: defaults.inReplyTo, references: defaults.references } : {}),
          ...(attachments.length > 0 ? { attachments } : {}),
          idempotencyKey,
        },
      });
      router.push(`/email-accounts/${accountId}/sent?queued=${record.id}`);
    }, "Could not queue the message");
  }

  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor="to">To</label>
      <input id="to" name="to" defaultValue={defaults.to} required autoComplete="email" placeholder="name@example.com, another@example.com" {...describedBy("to", fieldErrors)} />
      <FieldError name="to" errors={fieldErrors} />
      <label htmlFor="cc">Cc</label>
      <input id="cc" name="cc" defaultValue={defaults.cc} autoComplete="email" {...describedBy("cc", fieldErrors)} />
      <FieldError name="cc" errors={fieldErrors} />
      {showBcc || fieldErrors.bcc ? (
        <>
          <label htmlFor="bcc">Bcc (not shown to the other recipients)</label>
          <input id="bcc" name="bcc" autoComplete="email" {...describedBy("bcc", fieldErrors)} />
          <FieldError name="bcc" errors={fieldErrors} />
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setShowBcc(true)}>
          Add Bcc
        </button>
      )}
      <label htmlFor="subject">Subject</label>
      <input id="subject" name="subject" defaultValue={defaults.subject} required {...describedBy("subject", fieldErrors)} />
      <FieldError name="subject" errors={fieldErrors} />
      <label htmlFor="text">Message</label>
      <textarea id="text" name="text" defaultValue={defaults.text} rows={12} className="w-full" {...describedBy("text", fieldErrors)} />
      <FieldError name="text" errors={fieldErrors} />

      <fieldset className="mt-4">
        <legend className="font-semibold">Files</legend>
        {files.length + forwarded.length > 0 && (
          <ul className="my-2 space-y-1" data-testid="compose-files">
            {forwarded.map((file) => (
              <li key={file.id} className="row">
                <span className="min-w-0 break-all">{file.filename}</span>
                <span className="muted">{formatBytes(file.size)}</span>
                <button type="button" className="secondary" onClick={() => setForwarded(forwarded.filter((other) => other.id !== file.id))} aria-label={`Remove ${file.filename}`}>
                  Remove
                </button>
              </li>
            ))}
            {files.map(({ key, file }) => (
              <li key={key} className="row">
                <span className="min-w-0 break-all">{file.name}</span>
                <span className="muted">{formatBytes(file.size)}</span>
                <button type="button" className="secondary" onClick={() => setFiles(files.filter((other) => other.key !== key))} aria-label={`Remove ${file.name}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <label htmlFor="files" className="sr-only">
          Attach files
        </label>
        <input
          ref={picker}
          id="files"
          type="file"
          multiple
          className="block w-full"
          {...describedBy("attachments", fieldErrors, "files-total")}
          onChange={(event) => {
            const picked = Array.from(event.currentTarget.files ?? []);
            setFiles((current) => [...current, ...picked.map((file) => ({ key: crypto.randomUUID(), file }))]);
            // The input is only the way in: the list above is what is sent, and the same file may be picked again.
            if (picker.current) picker.current.value = "";
          }}
        />
        <p id="files-total" className={tooLarge ? "error mt-1 text-sm" : "muted mt-1 text-sm"} data-testid="files-total">
          {total === 0
            ? `Attach files of up to ${formatBytes(Math.floor((maxMessageBytes * 3) / 4))} in all.`
            : tooLarge
              ? `These files come to ${formatBytes(total)}: more than this server sends in one message (${formatBytes(Math.floor((maxMessageBytes * 3) / 4))} of files). Remove some.`
              : `${formatBytes(total)} of files, of ${formatBytes(Math.floor((maxMessageBytes * 3) / 4))} at most.`}
        </p>
        <FieldError name="attachments" errors={fieldErrors} />
      </fieldset>

      <button type="submit" disabled={busy || tooLarge}>
        {busy ? "Sending…" : "Send"}
      </button>
      <ActionError message={error} />
    </form>
  );
}
