-- AlterTable
ALTER TABLE "inbound_messages" ADD COLUMN     "preview" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "read_at" TIMESTAMPTZ(3),
ADD COLUMN     "seen" BOOLEAN NOT NULL DEFAULT false;

-- Messages stored before: their preview from the stored text, and read, since
-- their flags were never fetched (marking a whole mailbox unread would be worse).
UPDATE "inbound_messages"
   SET "preview" = left(btrim(regexp_replace(coalesce("text", ''), '\s+', ' ', 'g')), 200),
       "seen" = true;

-- CreateIndex
CREATE INDEX "inbound_messages_unread" ON "inbound_messages"("email_account_id", "folder") WHERE (NOT seen AND read_at IS NULL);
