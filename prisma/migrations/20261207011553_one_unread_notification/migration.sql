-- Notifications without a link get "" (the link is part of what makes two notifications the same).
UPDATE "notifications" SET "link" = '' WHERE "link" IS NULL;

-- Unread duplicates that a race left behind: the newest stays unread.
UPDATE "notifications" AS n SET "read_at" = now()
 WHERE n."read_at" IS NULL
   AND EXISTS (SELECT 1 FROM "notifications" AS newer
                WHERE newer."user_id" = n."user_id" AND newer."kind" = n."kind" AND newer."link" = n."link"
                  AND newer."read_at" IS NULL
                  AND (newer."created_at", newer."id") > (n."created_at", n."id"));

-- AlterTable
ALTER TABLE "notifications" ALTER COLUMN "link" SET NOT NULL,
ALTER COLUMN "link" SET DEFAULT '';

-- CreateIndex
CREATE UNIQUE INDEX "notifications_one_unread" ON "notifications"("user_id", "kind", "link") WHERE (read_at IS NULL);
