-- AlterTable
ALTER TABLE "auth_requests" ADD COLUMN     "failure_code" TEXT,
ADD COLUMN     "provider_aadsts" TEXT,
ADD COLUMN     "provider_error" TEXT;
