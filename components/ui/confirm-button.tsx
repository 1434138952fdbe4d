"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useState, type ReactNode } from "react";

/**
 * A button that asks first, in a dialog (Radix: focus moves in and back, Esc
 * and the Cancel button close it, screen readers announce title and text).
 * `onConfirm` runs when the person confirms; the dialog closes when it is done.
 */
export function ConfirmButton({
  children,
  title,
  description,
  confirmLabel,
  onConfirm,
  cancelLabel = "Cancel",
  danger = false,
  disabled = false,
  className = "secondary",
}: {
  children: ReactNode;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
  /** The button that closes without acting (say "Keep it" where the action itself is a Cancel). */
  cancelLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <button type="button" className={className} disabled={disabled}>
          {children}
        </button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/30" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 w-[min(28rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-5 shadow-xl">
          <Dialog.Title className="mt-0 mb-2 text-lg font-semibold">{title}</Dialog.Title>
          <Dialog.Description className="text-muted">{description}</Dialog.Description>
          <div className="actions mt-5 justify-end">
            <Dialog.Close asChild>
              <button type="button" className="secondary">
                {cancelLabel}
              </button>
            </Dialog.Close>
            <button
              type="button"
              className={danger ? "danger" : undefined}
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                try {
                  await onConfirm();
                } finally {
                  setBusy(false);
                  setOpen(false);
                }
              }}
            >
              {confirmLabel}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
