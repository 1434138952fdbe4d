-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "sent_copy_claimed_until" TIMESTAMPTZ(3);
