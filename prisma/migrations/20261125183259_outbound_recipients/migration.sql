-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "accepted_recipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "retry_recipients" TEXT[] DEFAULT ARRAY[]::TEXT[];
