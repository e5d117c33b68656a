-- Every server process caches what a bearer token resolves to (server/domain/token-cache.ts), so
-- a request need not look its token up. Whatever changes what that lookup reads, whoever changes
-- it (a request, the billing run, another replica, an operator's psql), tells every process here,
-- at commit, which master account's entries to drop; '*' drops them all.
CREATE FUNCTION token_cache_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('mailadmin_token_cache', '*');
  ELSIF TG_TABLE_NAME = 'master_accounts' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('mailadmin_token_cache', OLD.id::text); END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('mailadmin_token_cache', OLD.master_account_id::text); END IF;
    -- A row moved to another account (nothing does so today) tells both.
    IF TG_OP = 'UPDATE' THEN PERFORM pg_notify('mailadmin_token_cache', NEW.master_account_id::text); END IF;
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
-- Not last_used_at: the lookup itself refreshes it once a minute, and the cache keeps its own copy.
CREATE TRIGGER api_tokens_token_cache
  AFTER UPDATE OF id, master_account_id, user_id, kind, token_hash, scopes, expires_at, revoked_at OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION token_cache_invalidate();--> statement-breakpoint
CREATE TRIGGER api_tokens_token_cache_truncate
  AFTER TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION token_cache_invalidate();--> statement-breakpoint
-- The viewer's role and status, and the owner's plan (which decides console access).
CREATE TRIGGER users_token_cache
  AFTER UPDATE OF id, master_account_id, role, plan, status OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION token_cache_invalidate();--> statement-breakpoint
CREATE TRIGGER users_token_cache_truncate
  AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION token_cache_invalidate();--> statement-breakpoint
-- The whole row comes with the token, so any change to it.
CREATE TRIGGER master_accounts_token_cache
  AFTER UPDATE OR DELETE ON master_accounts
  FOR EACH ROW EXECUTE FUNCTION token_cache_invalidate();--> statement-breakpoint
CREATE TRIGGER master_accounts_token_cache_truncate
  AFTER TRUNCATE ON master_accounts
  FOR EACH STATEMENT EXECUTE FUNCTION token_cache_invalidate();
