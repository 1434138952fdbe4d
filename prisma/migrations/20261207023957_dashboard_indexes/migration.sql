-- CreateIndex
CREATE INDEX "inbound_messages_created_at_idx" ON "inbound_messages"("created_at");

-- CreateIndex
CREATE INDEX "outbound_messages_sent_at_idx" ON "outbound_messages"("sent_at");
