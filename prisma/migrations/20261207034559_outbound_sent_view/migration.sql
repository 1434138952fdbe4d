-- AlterEnum
ALTER TYPE "OutboundStatus" ADD VALUE 'cancelled';

-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "retry_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Messages queued before: their 24 hours of retries began when they were queued.
UPDATE "outbound_messages" SET "retry_since" = "created_at";

-- CreateIndex
CREATE INDEX "outbound_messages_email_account_id_created_at_idx" ON "outbound_messages"("email_account_id", "created_at");
