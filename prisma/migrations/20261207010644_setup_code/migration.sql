-- CreateTable
CREATE TABLE "setup_codes" (
    "id" UUID NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'first-admin',
    "code_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setup_codes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "setup_codes_purpose_key" ON "setup_codes"("purpose");
