CREATE TYPE "public"."domain_status" AS ENUM('PENDING', 'VERIFIED');--> statement-breakpoint
CREATE TABLE "domains" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"master_account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" "domain_status" DEFAULT 'PENDING' NOT NULL,
	"verification_token" text NOT NULL,
	"record_checks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"verified_at" timestamp (3) with time zone,
	CONSTRAINT "domains_lowercase" CHECK ("domains"."name" = lower("domains"."name"))
);
--> statement-breakpoint
ALTER TABLE "addresses" ADD COLUMN "domain" text GENERATED ALWAYS AS (split_part(address, '@', 2)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_master_account_id_master_accounts_id_fk" FOREIGN KEY ("master_account_id") REFERENCES "public"."master_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "domains_name_key" ON "domains" USING btree ("name");--> statement-breakpoint
CREATE INDEX "domains_account_created_idx" ON "domains" USING btree ("master_account_id","created_at","id");--> statement-breakpoint
CREATE INDEX "addresses_domain_idx" ON "addresses" USING btree ("domain");