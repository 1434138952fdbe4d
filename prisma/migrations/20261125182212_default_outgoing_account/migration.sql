-- AlterTable
ALTER TABLE "email_accounts" ADD COLUMN     "is_default_outgoing" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "email_accounts_one_default_outgoing" ON "email_accounts"("is_default_outgoing") WHERE ("is_default_outgoing" = true);
