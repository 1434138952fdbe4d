-- AlterTable
ALTER TABLE "inbound_messages" ADD COLUMN     "skipped_reason" TEXT;

-- CreateTable
CREATE TABLE "mail_workers" (
    "id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_workers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_account_leases" (
    "email_account_id" UUID NOT NULL,
    "worker_id" UUID NOT NULL,
    "epoch" BIGINT NOT NULL,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "mail_account_leases_pkey" PRIMARY KEY ("email_account_id")
);

-- CreateIndex
CREATE INDEX "mail_workers_heartbeat_at_idx" ON "mail_workers"("heartbeat_at");

-- CreateIndex
CREATE INDEX "mail_account_leases_worker_id_idx" ON "mail_account_leases"("worker_id");

-- AddForeignKey
ALTER TABLE "mail_account_leases" ADD CONSTRAINT "mail_account_leases_email_account_id_fkey" FOREIGN KEY ("email_account_id") REFERENCES "email_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
