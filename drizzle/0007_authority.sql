CREATE TYPE "public"."second_factor_policy" AS ENUM('NONE', 'ADMINS', 'EVERYONE');--> statement-breakpoint
CREATE TABLE "log_in_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"challenge_hash" text NOT NULL,
	"client" text,
	"ip_address" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "recovery_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "client" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "ip_address" text;--> statement-breakpoint
ALTER TABLE "master_accounts" ADD COLUMN "second_factor_policy" "second_factor_policy" DEFAULT 'NONE' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "suspended_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "suspended_by" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "suspension_reason" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_secret" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_confirmed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_last_step" bigint;--> statement-breakpoint
ALTER TABLE "log_in_challenges" ADD CONSTRAINT "log_in_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "log_in_challenges_hash_key" ON "log_in_challenges" USING btree ("challenge_hash");--> statement-breakpoint
CREATE INDEX "log_in_challenges_user_idx" ON "log_in_challenges" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "recovery_codes_user_hash_key" ON "recovery_codes" USING btree ("user_id","code_hash");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_suspended_by_users_id_fk" FOREIGN KEY ("suspended_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_user_created_idx" ON "api_tokens" USING btree ("user_id","created_at","id");--> statement-breakpoint
-- Suspension leaves the status column, which keeps billing standing alone. A user suspended before
-- this migration is suspended from when their row last changed; their standing is ACTIVE, and the
-- next billing run marks it PAST_DUE if a renewal is unpaid.
UPDATE "users" SET "suspended_at" = "updated_at", "status" = 'ACTIVE' WHERE "status" = 'SUSPENDED';--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_status_is_billing_standing" CHECK ("users"."status" <> 'SUSPENDED');--> statement-breakpoint
-- The token lookup now reads the suspension and whether the user has a second factor (the owner's
-- policy may require one), so the token cache must hear of changes to them as it hears of status.
DROP TRIGGER "users_token_cache" ON "users";--> statement-breakpoint
CREATE TRIGGER users_token_cache
  AFTER UPDATE OF id, master_account_id, role, plan, status, suspended_at, totp_confirmed_at OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION token_cache_invalidate();
