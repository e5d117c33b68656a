-- Writes are authorised by the database, not by a cache (server/yoga.ts,
-- useWritesAuthorisedByDatabase). A mutation whose viewer came from a process's token cache sends
-- this as the first statement of its own one-write transaction (server/domain/write-authorization.ts):
-- when it raises, PostgreSQL rolls the implicit transaction back and skips everything sent behind
-- it, so a token revoked, or a user suspended or demoted, on another replica a moment ago writes
-- nothing, and costs no round trip of its own when it works.
--
-- It answers what the token lookup would (server/domain/tokens.ts, `mailadmin_authenticate`: the
-- token not revoked nor expired, its user not suspended, an owner in the account), what the
-- second-factor gate would of a session the owner's policy covers (domain/second-factor.ts,
-- secondFactorMissing) and, with need_admin, what assertAdmin would (domain/viewer.ts: the owner's
-- plan gives console access, then the role). Each refusal has a SQLSTATE of its own, which the
-- application maps to its error (write-authorization.ts, WRITE_REFUSALS):
--   MA401  the token does not work (UNAUTHENTICATED)
--   MA428  the owner's policy requires a second factor this session's user has not confirmed
--   MA402  the owner's plan has no console (UPGRADE_REQUIRED)
--   MA403  the user is neither the owner nor an administrator (FORBIDDEN)
CREATE FUNCTION mailadmin_authorize_write(token_id uuid, need_admin boolean) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  found_token record;
BEGIN
  SELECT t.kind, u.role, u.totp_confirmed_at IS NOT NULL AS second_factor, o.plan AS owner_plan, a.second_factor_policy AS policy
    INTO found_token
    FROM api_tokens t
    JOIN users u ON u.id = t.user_id
    JOIN users o ON o.master_account_id = u.master_account_id AND o.role = 'OWNER'
    JOIN master_accounts a ON a.id = u.master_account_id
   WHERE t.id = mailadmin_authorize_write.token_id
     AND t.revoked_at IS NULL
     AND (t.expires_at IS NULL OR t.expires_at > now())
     AND u.suspended_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the bearer token is unknown, expired or revoked, or its user is suspended' USING ERRCODE = 'MA401';
  END IF;
  IF found_token.kind = 'SESSION' AND NOT found_token.second_factor
     AND (found_token.policy = 'EVERYONE' OR (found_token.policy = 'ADMINS' AND found_token.role <> 'MEMBER')) THEN
    RAISE EXCEPTION 'the owner''s policy requires a second factor this session''s user has not confirmed' USING ERRCODE = 'MA428';
  END IF;
  IF mailadmin_authorize_write.need_admin THEN
    IF found_token.owner_plan = 'FREE' THEN
      RAISE EXCEPTION 'the owner''s plan has no console access' USING ERRCODE = 'MA402';
    END IF;
    IF found_token.role NOT IN ('OWNER', 'ADMIN') THEN
      RAISE EXCEPTION 'the user is neither the owner nor an administrator' USING ERRCODE = 'MA403';
    END IF;
  END IF;
END;
$$;
