-- AlterTable
ALTER TABLE "mail_workers" ADD COLUMN     "backend_pid" INTEGER,
ADD COLUMN     "backend_started_at" TIMESTAMPTZ(6);
