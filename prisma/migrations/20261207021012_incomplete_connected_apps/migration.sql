-- AlterTable
ALTER TABLE "connected_apps" ALTER COLUMN "authorization_uri" DROP NOT NULL,
ALTER COLUMN "token_uri" DROP NOT NULL,
ALTER COLUMN "client_id" DROP NOT NULL;
