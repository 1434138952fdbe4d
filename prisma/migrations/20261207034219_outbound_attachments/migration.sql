-- CreateTable
CREATE TABLE "outbound_attachments" (
    "id" UUID NOT NULL,
    "outbound_message_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "inline" BOOLEAN NOT NULL DEFAULT false,
    "content_id" TEXT,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "content" BYTEA NOT NULL,

    CONSTRAINT "outbound_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbound_attachments_outbound_message_id_position_key" ON "outbound_attachments"("outbound_message_id", "position");

-- AddForeignKey
ALTER TABLE "outbound_attachments" ADD CONSTRAINT "outbound_attachments_outbound_message_id_fkey" FOREIGN KEY ("outbound_message_id") REFERENCES "outbound_messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
