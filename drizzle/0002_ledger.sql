CREATE TYPE "public"."ledger_entry_kind" AS ENUM('DEPOSIT', 'CHARGE', 'PRORATION', 'REFUND', 'ADJUSTMENT');--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"master_account_id" uuid NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "ledger_entries_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" "ledger_entry_kind" NOT NULL,
	"amount_cents" bigint NOT NULL,
	"balance_after_cents" bigint NOT NULL,
	"description" text NOT NULL,
	"user_id" uuid,
	"plan" "plan",
	"period_start" timestamp (3) with time zone,
	"period_end" timestamp (3) with time zone,
	"idempotency_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_balance_not_negative" CHECK ("ledger_entries"."balance_after_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "low_balance_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"master_account_id" uuid NOT NULL,
	"ledger_entry_id" uuid NOT NULL,
	"balance_cents" bigint NOT NULL,
	"threshold_cents" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "master_accounts" ADD COLUMN "low_balance_threshold_cents" bigint DEFAULT 2000 NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_master_account_id_master_accounts_id_fk" FOREIGN KEY ("master_account_id") REFERENCES "public"."master_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "low_balance_notices" ADD CONSTRAINT "low_balance_notices_master_account_id_master_accounts_id_fk" FOREIGN KEY ("master_account_id") REFERENCES "public"."master_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "low_balance_notices" ADD CONSTRAINT "low_balance_notices_ledger_entry_id_ledger_entries_id_fk" FOREIGN KEY ("ledger_entry_id") REFERENCES "public"."ledger_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_entries_account_seq_idx" ON "ledger_entries" USING btree ("master_account_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_deposit_key" ON "ledger_entries" USING btree ("master_account_id","idempotency_key") WHERE "ledger_entries"."kind" = 'DEPOSIT';--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_one_charge_per_period" ON "ledger_entries" USING btree ("user_id","period_start") WHERE "ledger_entries"."kind" = 'CHARGE';--> statement-breakpoint
CREATE INDEX "low_balance_notices_account_idx" ON "low_balance_notices" USING btree ("master_account_id","created_at");