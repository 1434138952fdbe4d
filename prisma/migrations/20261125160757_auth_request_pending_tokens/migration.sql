-- AlterTable
ALTER TABLE "auth_requests" ADD COLUMN     "pending_tokens_sealed" TEXT;
