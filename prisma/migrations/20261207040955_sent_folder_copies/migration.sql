-- AlterTable
ALTER TABLE "email_accounts" ADD COLUMN     "append_to_sent" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "sent_folder" TEXT;

-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "sent_copy_at" TIMESTAMPTZ(3),
ADD COLUMN     "sent_copy_error" TEXT;

-- Gmail files what its SMTP server sends in Sent by itself: a copy would be a second one.
UPDATE "email_accounts" SET "append_to_sent" = false WHERE lower("imap_host") IN ('imap.gmail.com', 'imap.googlemail.com');
