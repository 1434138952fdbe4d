-- AlterTable
ALTER TABLE "email_accounts" ADD COLUMN     "append_to_sent" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "sent_folder" TEXT;

-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "sent_copy_at" TIMESTAMPTZ(3),
ADD COLUMN     "sent_copy_error" TEXT;

-- Gmail and Exchange Online file what their SMTP servers send in Sent by themselves: a copy would be a second one.
UPDATE "email_accounts" SET "append_to_sent" = false WHERE lower("imap_host") IN ('imap.gmail.com', 'imap.googlemail.com', 'outlook.office365.com');
