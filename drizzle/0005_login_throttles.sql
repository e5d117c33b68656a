CREATE TYPE "public"."login_throttle_scope" AS ENUM('ADDRESS_CLIENT', 'CLIENT', 'ADDRESS');--> statement-breakpoint
CREATE TABLE "login_throttles" (
	"scope" "login_throttle_scope" NOT NULL,
	"subject" text NOT NULL,
	"failures" integer NOT NULL,
	"window_started_at" timestamp (3) with time zone NOT NULL,
	"blocked_until" timestamp (3) with time zone,
	CONSTRAINT "login_throttles_scope_subject_pk" PRIMARY KEY("scope","subject")
);
--> statement-breakpoint
CREATE INDEX "login_throttles_window_idx" ON "login_throttles" USING btree ("window_started_at");