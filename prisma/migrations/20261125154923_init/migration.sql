-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'user');

-- CreateEnum
CREATE TYPE "ConnectedAppPreset" AS ENUM ('google', 'microsoft', 'generic');

-- CreateEnum
CREATE TYPE "TokenEndpointAuthMethod" AS ENUM ('client_secret_basic', 'client_secret_post');

-- CreateEnum
CREATE TYPE "ConnectedAppStatus" AS ENUM ('ok', 'misconfigured');

-- CreateEnum
CREATE TYPE "TokenStatus" AS ENUM ('active', 'needs_reauth', 'disconnected');

-- CreateEnum
CREATE TYPE "MailAuthMethod" AS ENUM ('password', 'oauth');

-- CreateEnum
CREATE TYPE "MailSecurity" AS ENUM ('tls', 'starttls', 'none');

-- CreateEnum
CREATE TYPE "MailSideStatus" AS ENUM ('active', 'syncing', 'paused');

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('queued', 'sending', 'sent', 'failed');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT,
    "role" "Role" NOT NULL DEFAULT 'user',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "link" TEXT,
    "read_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "encryption_key_fingerprints" (
    "version" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "encryption_key_fingerprints_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "connected_apps" (
    "id" UUID NOT NULL,
    "provider_name" TEXT NOT NULL,
    "preset" "ConnectedAppPreset" NOT NULL DEFAULT 'generic',
    "tenant" TEXT,
    "openid_configuration_url" TEXT,
    "issuer" TEXT,
    "authorization_uri" TEXT NOT NULL,
    "token_uri" TEXT NOT NULL,
    "revocation_uri" TEXT,
    "userinfo_uri" TEXT,
    "introspection_uri" TEXT,
    "client_id" TEXT NOT NULL,
    "client_secret_sealed" TEXT,
    "client_secret_expires_at" TIMESTAMPTZ(3),
    "token_endpoint_auth_method" "TokenEndpointAuthMethod" NOT NULL DEFAULT 'client_secret_basic',
    "scopes" TEXT[],
    "query_parameters" JSONB NOT NULL DEFAULT '{}',
    "pkce" BOOLEAN NOT NULL DEFAULT true,
    "status" "ConnectedAppStatus" NOT NULL DEFAULT 'ok',
    "status_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connected_apps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "token_cache" (
    "id" UUID NOT NULL,
    "connected_app_id" UUID NOT NULL,
    "user_id" UUID,
    "principal_key" TEXT NOT NULL,
    "access_token_sealed" TEXT,
    "refresh_token_sealed" TEXT,
    "token_type" TEXT,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "provider_subject" TEXT,
    "provider_email" TEXT,
    "provider_tenant_id" TEXT,
    "provider_object_id" TEXT,
    "status" "TokenStatus" NOT NULL DEFAULT 'active',
    "last_error" TEXT,
    "last_refreshed_at" TIMESTAMPTZ(3),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 0,
    "refreshing_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "token_cache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_requests" (
    "id" UUID NOT NULL,
    "state_hash" TEXT NOT NULL,
    "code_verifier_sealed" TEXT,
    "nonce" TEXT,
    "user_id" UUID NOT NULL,
    "connected_app_id" UUID NOT NULL,
    "success_uri" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_accounts" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "email_address" TEXT NOT NULL,
    "display_name" TEXT NOT NULL DEFAULT '',
    "auth_method" "MailAuthMethod" NOT NULL,
    "password_sealed" TEXT,
    "connected_app_id" UUID,
    "connected_user_id" UUID,
    "service_principal" BOOLEAN NOT NULL DEFAULT false,
    "imap_host" TEXT NOT NULL,
    "imap_port" INTEGER NOT NULL,
    "imap_security" "MailSecurity" NOT NULL,
    "imap_login" TEXT NOT NULL,
    "smtp_host" TEXT NOT NULL,
    "smtp_port" INTEGER NOT NULL,
    "smtp_security" "MailSecurity" NOT NULL,
    "smtp_login" TEXT NOT NULL,
    "enable_incoming" BOOLEAN NOT NULL DEFAULT true,
    "enable_outgoing" BOOLEAN NOT NULL DEFAULT true,
    "folders" TEXT[] DEFAULT ARRAY['INBOX']::TEXT[],
    "use_idle" BOOLEAN NOT NULL DEFAULT true,
    "poll_interval_seconds" INTEGER NOT NULL DEFAULT 60,
    "initial_sync_since" TIMESTAMPTZ(3),
    "initial_sync_newest" INTEGER,
    "send_limit_per_minute" INTEGER NOT NULL DEFAULT 30,
    "send_limit_connections" INTEGER NOT NULL DEFAULT 3,
    "always_use_account_address_as_sender" BOOLEAN NOT NULL DEFAULT false,
    "always_use_account_name_as_sender_name" BOOLEAN NOT NULL DEFAULT false,
    "incoming_status" "MailSideStatus" NOT NULL DEFAULT 'active',
    "outgoing_status" "MailSideStatus" NOT NULL DEFAULT 'active',
    "incoming_paused_reason" TEXT,
    "outgoing_paused_reason" TEXT,
    "incoming_failures" INTEGER NOT NULL DEFAULT 0,
    "outgoing_failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "messages_synced" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "email_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailbox_states" (
    "id" UUID NOT NULL,
    "email_account_id" UUID NOT NULL,
    "folder" TEXT NOT NULL,
    "uid_validity" BIGINT,
    "last_uid" BIGINT NOT NULL DEFAULT 0,
    "highest_modseq" BIGINT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "mailbox_states_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbound_messages" (
    "id" UUID NOT NULL,
    "email_account_id" UUID NOT NULL,
    "folder" TEXT NOT NULL,
    "uid_validity" BIGINT NOT NULL,
    "uid" BIGINT NOT NULL,
    "message_id" TEXT,
    "in_reply_to" TEXT,
    "references" TEXT[],
    "from_address" TEXT,
    "to_addresses" TEXT[],
    "cc_addresses" TEXT[],
    "subject" TEXT,
    "date" TIMESTAMPTZ(3),
    "size" INTEGER NOT NULL,
    "text" TEXT,
    "html" TEXT,
    "raw" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbound_attachments" (
    "id" UUID NOT NULL,
    "inbound_message_id" UUID NOT NULL,
    "filename" TEXT,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,

    CONSTRAINT "inbound_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_messages" (
    "id" UUID NOT NULL,
    "email_account_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "from_address" TEXT,
    "to_addresses" TEXT[],
    "cc_addresses" TEXT[],
    "bcc_addresses" TEXT[],
    "subject" TEXT NOT NULL,
    "text" TEXT,
    "html" TEXT,
    "in_reply_to" TEXT,
    "references" TEXT[],
    "status" "OutboundStatus" NOT NULL DEFAULT 'queued',
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");

-- CreateIndex
CREATE INDEX "audit_events_action_target_id_created_at_idx" ON "audit_events"("action", "target_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");

-- CreateIndex
CREATE INDEX "notifications_user_id_read_at_idx" ON "notifications"("user_id", "read_at");

-- CreateIndex
CREATE INDEX "token_cache_user_id_idx" ON "token_cache"("user_id");

-- CreateIndex
CREATE INDEX "token_cache_status_expires_at_idx" ON "token_cache"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "token_cache_connected_app_id_principal_key_key" ON "token_cache"("connected_app_id", "principal_key");

-- CreateIndex
CREATE UNIQUE INDEX "auth_requests_state_hash_key" ON "auth_requests"("state_hash");

-- CreateIndex
CREATE INDEX "auth_requests_expires_at_idx" ON "auth_requests"("expires_at");

-- CreateIndex
CREATE INDEX "email_accounts_owner_id_idx" ON "email_accounts"("owner_id");

-- CreateIndex
CREATE INDEX "email_accounts_connected_app_id_connected_user_id_idx" ON "email_accounts"("connected_app_id", "connected_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "mailbox_states_email_account_id_folder_key" ON "mailbox_states"("email_account_id", "folder");

-- CreateIndex
CREATE INDEX "inbound_messages_email_account_id_folder_date_idx" ON "inbound_messages"("email_account_id", "folder", "date");

-- CreateIndex
CREATE INDEX "inbound_messages_email_account_id_message_id_idx" ON "inbound_messages"("email_account_id", "message_id");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_messages_email_account_id_folder_uid_validity_uid_key" ON "inbound_messages"("email_account_id", "folder", "uid_validity", "uid");

-- CreateIndex
CREATE INDEX "inbound_attachments_inbound_message_id_idx" ON "inbound_attachments"("inbound_message_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_messages_message_id_key" ON "outbound_messages"("message_id");

-- CreateIndex
CREATE INDEX "outbound_messages_status_next_attempt_at_idx" ON "outbound_messages"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_messages_email_account_id_idempotency_key_key" ON "outbound_messages"("email_account_id", "idempotency_key");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "token_cache" ADD CONSTRAINT "token_cache_connected_app_id_fkey" FOREIGN KEY ("connected_app_id") REFERENCES "connected_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "token_cache" ADD CONSTRAINT "token_cache_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_requests" ADD CONSTRAINT "auth_requests_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_requests" ADD CONSTRAINT "auth_requests_connected_app_id_fkey" FOREIGN KEY ("connected_app_id") REFERENCES "connected_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "email_accounts" ADD CONSTRAINT "email_accounts_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "email_accounts" ADD CONSTRAINT "email_accounts_connected_user_id_fkey" FOREIGN KEY ("connected_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "email_accounts" ADD CONSTRAINT "email_accounts_connected_app_id_fkey" FOREIGN KEY ("connected_app_id") REFERENCES "connected_apps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailbox_states" ADD CONSTRAINT "mailbox_states_email_account_id_fkey" FOREIGN KEY ("email_account_id") REFERENCES "email_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbound_messages" ADD CONSTRAINT "inbound_messages_email_account_id_fkey" FOREIGN KEY ("email_account_id") REFERENCES "email_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbound_attachments" ADD CONSTRAINT "inbound_attachments_inbound_message_id_fkey" FOREIGN KEY ("inbound_message_id") REFERENCES "inbound_messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_email_account_id_fkey" FOREIGN KEY ("email_account_id") REFERENCES "email_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
