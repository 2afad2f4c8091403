CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"group_id" uuid NOT NULL,
	"machine_id" varchar(64) NOT NULL,
	"user_hash" varchar(64) NOT NULL,
	"display_name" varchar(255),
	"platform" varchar(20) NOT NULL,
	"agent_version" varchar(50),
	"last_heartbeat" timestamp with time zone,
	"last_sync" timestamp with time zone,
	"status" varchar(20) DEFAULT 'active',
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"deleted_at" timestamp with time zone,
	CONSTRAINT "agents_group_id_machine_id_key" UNIQUE("group_id","machine_id")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"group_id" uuid NOT NULL,
	"created_by" uuid,
	"key_hash" varchar(64) NOT NULL,
	"key_prefix" varchar(8) NOT NULL,
	"name" varchar(255),
	"scopes" varchar(255) DEFAULT 'agent',
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "api_keys_key_hash_key" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_type" varchar(50) NOT NULL,
	"actor_type" varchar(20) NOT NULL,
	"actor_id" uuid,
	"group_id" uuid,
	"target_type" varchar(50),
	"target_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb,
	"client_ip" "inet",
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "blocklist" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pattern_type" varchar(20) NOT NULL,
	"pattern" varchar(255) NOT NULL,
	"reason" text,
	"created_by" uuid,
	"is_active" boolean DEFAULT true,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "extensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"extension_id" varchar(255) NOT NULL,
	"name" varchar(255) NOT NULL,
	"publisher" varchar(255) NOT NULL,
	"pinned_version" varchar(50),
	"sha256_checksum" varchar(64),
	"marketplace_url" text,
	"is_blocked" boolean DEFAULT false,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"deleted_at" timestamp with time zone,
	CONSTRAINT "extensions_extension_id_key" UNIQUE("extension_id")
);
--> statement-breakpoint
CREATE TABLE "group_extensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"group_id" uuid NOT NULL,
	"extension_id" uuid NOT NULL,
	"is_required" boolean DEFAULT true,
	"added_by" uuid,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "group_extensions_group_id_extension_id_key" UNIQUE("group_id","extension_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"settings" jsonb DEFAULT '{}'::jsonb,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"deleted_at" timestamp with time zone,
	CONSTRAINT "groups_name_key" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"group_id" uuid NOT NULL,
	"extension_id" varchar(255) NOT NULL,
	"user_hash" varchar(64) NOT NULL,
	"installed" boolean NOT NULL,
	"installed_version" varchar(50),
	"extension_sha256" varchar(64),
	"client_ip" "inet",
	"reported_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "reports_user_hash_group_id_extension_id_key" UNIQUE("user_hash","group_id","extension_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	"password_hash" varchar(255) NOT NULL,
	"display_name" varchar(255),
	"role" varchar(20) DEFAULT 'viewer',
	"is_active" boolean DEFAULT true,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"deleted_at" timestamp with time zone,
	CONSTRAINT "users_email_key" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_extension_id_fkey" FOREIGN KEY ("extension_id") REFERENCES "public"."extensions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_added_by_fkey" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_agents_group_id" ON "agents" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_agents_last_heartbeat" ON "agents" USING btree ("last_heartbeat");--> statement-breakpoint
CREATE INDEX "idx_agents_status" ON "agents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_api_keys_group_id" ON "api_keys" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_api_keys_key_hash" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "idx_audit_log_event_type" ON "audit_log" USING btree ("event_type");--> statement-breakpoint
CREATE INDEX "idx_audit_log_actor" ON "audit_log" USING btree ("actor_type","actor_id");--> statement-breakpoint
CREATE INDEX "idx_audit_log_group_id" ON "audit_log" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_audit_log_created_at" ON "audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idx_blocklist_pattern_type" ON "blocklist" USING btree ("pattern_type");--> statement-breakpoint
CREATE INDEX "idx_blocklist_is_active" ON "blocklist" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "idx_extensions_extension_id" ON "extensions" USING btree ("extension_id");--> statement-breakpoint
CREATE INDEX "idx_extensions_publisher" ON "extensions" USING btree ("publisher");--> statement-breakpoint
CREATE INDEX "idx_group_extensions_group_id" ON "group_extensions" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_group_extensions_extension_id" ON "group_extensions" USING btree ("extension_id");--> statement-breakpoint
CREATE INDEX "idx_groups_name" ON "groups" USING btree ("name");--> statement-breakpoint
CREATE INDEX "idx_reports_agent_id" ON "reports" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "idx_reports_group_id" ON "reports" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_reports_reported_at" ON "reports" USING btree ("reported_at");--> statement-breakpoint
CREATE INDEX "idx_reports_user_extension" ON "reports" USING btree ("user_hash","extension_id");--> statement-breakpoint
CREATE INDEX "idx_users_email" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "idx_users_role" ON "users" USING btree ("role");