import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

export const planEnum = pgEnum('plan', ['FREE', 'ENTRY', 'PRO']);
export const accountKindEnum = pgEnum('account_kind', ['PERSON', 'MAILING_LIST']);
export const userStatusEnum = pgEnum('user_status', ['ACTIVE', 'SUSPENDED', 'PAST_DUE']);
export const userRoleEnum = pgEnum('user_role', ['OWNER', 'ADMIN', 'MEMBER']);
export const addressKindEnum = pgEnum('address_kind', ['PRIMARY', 'ALIAS']);
export const tokenKindEnum = pgEnum('token_kind', ['SESSION', 'API']);
export const domainStatusEnum = pgEnum('domain_status', ['PENDING', 'VERIFIED']);
export const ledgerEntryKindEnum = pgEnum('ledger_entry_kind', ['DEPOSIT', 'CHARGE', 'PRORATION', 'REFUND', 'ADJUSTMENT']);
export const tokenScopeEnum = pgEnum('token_scope', ['READ', 'WRITE', 'BILLING']);
export const secondFactorPolicyEnum = pgEnum('second_factor_policy', ['NONE', 'ADMINS', 'EVERYONE']);

// Millisecond precision: JavaScript dates carry milliseconds, so keyset cursors round-trip exactly.
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const masterAccounts = pgTable('master_accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  // Below this balance the owner is invited to recharge (domain.md: 20.00 EUR by default).
  lowBalanceThresholdCents: bigint('low_balance_threshold_cents', { mode: 'number' }).notNull().default(2000),
  // Who must sign in with a second factor (domain/second-factor.ts); only the owner changes it.
  secondFactorPolicy: secondFactorPolicyEnum('second_factor_policy').notNull().default('NONE'),
  createdAt: instant('created_at').notNull().defaultNow(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    displayName: text('display_name').notNull(),
    kind: accountKindEnum('kind').notNull().default('PERSON'),
    passwordHash: text('password_hash'),
    plan: planEnum('plan').notNull(),
    pendingPlan: planEnum('pending_plan'),
    // Billing standing only, ACTIVE or PAST_DUE (a check refuses SUSPENDED): billing sets it and
    // never touches a suspension, which is an administrator's, kept in suspended_at. The API shows
    // SUSPENDED over PAST_DUE over ACTIVE (domain/users.ts, shownStatus).
    status: userStatusEnum('status').notNull().default('ACTIVE'),
    suspendedAt: instant('suspended_at'),
    suspendedBy: uuid('suspended_by').references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
    suspensionReason: text('suspension_reason'),
    role: userRoleEnum('role').notNull().default('MEMBER'),
    listMembers: text('list_members').array().notNull().default(sql`'{}'::text[]`),
    paidThrough: instant('paid_through'),
    // TOTP (RFC 6238): the base32 secret, set by enrolment; the factor counts once confirmed.
    totpSecret: text('totp_secret'),
    totpConfirmedAt: instant('totp_confirmed_at'),
    // The time step of the last code accepted: a code is accepted once, and no older one after it.
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('users_status_is_billing_standing', sql`${t.status} <> 'SUSPENDED'`),
    uniqueIndex('users_one_owner_per_account').on(t.masterAccountId).where(sql`${t.role} = 'OWNER'`),
    index('users_account_created_idx').on(t.masterAccountId, t.createdAt, t.id),
    index('users_account_name_idx').on(t.masterAccountId, t.displayName, t.id),
  ],
);

/**
 * The one address namespace of the whole service: primary addresses and aliases of every master
 * account. The unique key on `address` is what makes a collision impossible, whatever the code does.
 */
export const addresses = pgTable(
  'addresses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    address: text('address').notNull(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: addressKindEnum('kind').notNull(),
    // Derived by the database so "is this domain still in use?" is one indexed lookup.
    domain: text('domain')
      .notNull()
      .generatedAlwaysAs(sql`split_part(address, '@', 2)`),
    createdAt: instant('created_at').notNull().defaultNow(),
    // Set when the owner is deleted or the alias removed; nobody may take it for 30 days after.
    releasedAt: instant('released_at'),
  },
  (t) => [
    uniqueIndex('addresses_address_key').on(t.address),
    // A user's primary address is the one PRIMARY row pointing at it; aliases are the ALIAS rows.
    uniqueIndex('addresses_one_primary_per_user').on(t.userId).where(sql`${t.kind} = 'PRIMARY'`),
    index('addresses_user_idx').on(t.userId),
    index('addresses_account_address_idx').on(t.masterAccountId, t.address),
    index('addresses_domain_idx').on(t.domain),
    check('addresses_lowercase', sql`${t.address} = lower(${t.address})`),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: tokenKindEnum('kind').notNull(),
    name: text('name').notNull(),
    // SHA-256 of the secret, hex: the secret itself is shown once and never stored.
    tokenHash: text('token_hash').notNull(),
    scopes: tokenScopeEnum('scopes').array().notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
    lastUsedAt: instant('last_used_at'),
    expiresAt: instant('expires_at'),
    revokedAt: instant('revoked_at'),
    // Sessions: the User-Agent and IP address they were opened from, shown in User.sessions.
    client: text('client'),
    ipAddress: text('ip_address'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
    index('api_tokens_account_created_idx').on(t.masterAccountId, t.createdAt, t.id),
    index('api_tokens_user_created_idx').on(t.userId, t.createdAt, t.id),
  ],
);

/** Single-use recovery codes of a second factor, stored as SHA-256 hashes (they are random, 50+ bits). */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
    usedAt: instant('used_at'),
  },
  (t) => [uniqueIndex('recovery_codes_user_hash_key').on(t.userId, t.codeHash)],
);

/**
 * A log-in whose password was right, waiting for its second factor: `completeLogIn` trades the
 * challenge (shown once, stored as a hash) and a code for a session, once, before it expires.
 */
export const logInChallenges = pgTable(
  'log_in_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    challengeHash: text('challenge_hash').notNull(),
    client: text('client'),
    ipAddress: text('ip_address'),
    createdAt: instant('created_at').notNull().defaultNow(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
  },
  (t) => [uniqueIndex('log_in_challenges_hash_key').on(t.challengeHash), index('log_in_challenges_user_idx').on(t.userId)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    // The changed object as (type, local id); the API encodes the pair as a global ID.
    targetType: text('target_type'),
    targetId: uuid('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: instant('created_at').notNull().defaultNow(),
    // Orders events written in the same millisecond, in the order they were written.
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [index('audit_events_account_seq_idx').on(t.masterAccountId, t.seq)],
);

/** The outcome of the last look-up of one DNS record a custom domain should publish. */
export interface RecordCheck {
  type: string;
  name: string;
  found: boolean;
  checkedAt: string;
}

/**
 * Custom domains. A name has one owner across the service; a claim that stays unverified for
 * a week stops blocking others (see domain/domains.ts).
 */
export const domains = pgTable(
  'domains',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    // Lowercased, internationalized names in their ASCII (punycode) form.
    name: text('name').notNull(),
    status: domainStatusEnum('status').notNull().default('PENDING'),
    verificationToken: text('verification_token').notNull(),
    recordChecks: jsonb('record_checks').$type<RecordCheck[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: instant('created_at').notNull().defaultNow(),
    verifiedAt: instant('verified_at'),
  },
  (t) => [
    uniqueIndex('domains_name_key').on(t.name),
    index('domains_account_created_idx').on(t.masterAccountId, t.createdAt, t.id),
    check('domains_lowercase', sql`${t.name} = lower(${t.name})`),
  ],
);

/**
 * The money of each master account: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE),
 * in integer cents, each entry carrying the balance after it. The balance is the last entry's.
 * `user_id` has no foreign key on purpose: deleting a user must not rewrite history.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    // The order of entries within an account; balance_after follows it.
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    kind: ledgerEntryKindEnum('kind').notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    balanceAfterCents: bigint('balance_after_cents', { mode: 'number' }).notNull(),
    description: text('description').notNull(),
    userId: uuid('user_id'),
    plan: planEnum('plan'),
    periodStart: instant('period_start'),
    periodEnd: instant('period_end'),
    idempotencyKey: text('idempotency_key'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('ledger_entries_account_seq_idx').on(t.masterAccountId, t.seq),
    uniqueIndex('ledger_entries_deposit_key').on(t.masterAccountId, t.idempotencyKey).where(sql`${t.kind} = 'DEPOSIT'`),
    // A period of an account is charged once, however many billing runs race for it.
    uniqueIndex('ledger_entries_one_charge_per_period')
      .on(t.userId, t.periodStart)
      .where(sql`${t.kind} = 'CHARGE'`),
    check('ledger_entries_balance_not_negative', sql`${t.balanceAfterCents} >= 0`),
  ],
);

/** One row each time a charge takes a master account's balance below its threshold. */
export const lowBalanceNotices = pgTable(
  'low_balance_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    ledgerEntryId: uuid('ledger_entry_id')
      .notNull()
      .references(() => ledgerEntries.id),
    balanceCents: bigint('balance_cents', { mode: 'number' }).notNull(),
    thresholdCents: bigint('threshold_cents', { mode: 'number' }).notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [index('low_balance_notices_account_idx').on(t.masterAccountId, t.createdAt)],
);

export const groupRoleEnum = pgEnum('group_role', ['MANAGER', 'MEMBER']);
export const resourceKindEnum = pgEnum('resource_kind', ['CALENDAR', 'DOCUMENTS', 'CONTACTS', 'MAILBOX']);
// Weakest first: PostgreSQL orders an enum's values as declared, so max() picks the strongest grant.
export const sharePermissionEnum = pgEnum('share_permission', ['READ', 'WRITE', 'MANAGE']);

/** Named sets of users of one master account; names are unique per account in any case. */
export const groups = pgTable(
  'groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('groups_account_name_key').on(t.masterAccountId, sql`lower(${t.name})`),
    index('groups_account_name_idx').on(t.masterAccountId, t.name, t.id),
  ],
);

/** Who is in which group. Deleting the user or the group deletes the membership with it. */
export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: groupRoleEnum('role').notNull().default('MEMBER'),
    addedAt: instant('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user_idx').on(t.userId)],
);

/**
 * Calendars, document folders, address books and mailboxes. `owner_id` has no ON DELETE action on
 * purpose: deleting a user hands their resources to the account's owner first, and the key refuses
 * a deletion that forgot to.
 */
export const sharedResources = pgTable(
  'shared_resources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    masterAccountId: uuid('master_account_id')
      .notNull()
      .references(() => masterAccounts.id),
    kind: resourceKindEnum('kind').notNull(),
    name: text('name').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('shared_resources_account_name_idx').on(t.masterAccountId, t.name, t.id),
    index('shared_resources_owner_idx').on(t.ownerId),
  ],
);

/** A resource shared with a group: one permission per (resource, group). */
export const resourceShares = pgTable(
  'resource_shares',
  {
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => sharedResources.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    permission: sharePermissionEnum('permission').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.resourceId, t.groupId] }), index('resource_shares_group_idx').on(t.groupId)],
);

export const loginThrottleScopeEnum = pgEnum('login_throttle_scope', ['ADDRESS_CLIENT', 'CLIENT', 'ADDRESS']);

/**
 * Counters of log-in attempts not (yet) proven right, shared by every replica (domain/throttle.ts
 * explains the rules). A row whose window has ended and whose block has passed means nothing and
 * is deleted in passing.
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    scope: loginThrottleScopeEnum('scope').notNull(),
    // The address, the client (an IPv4 address or an IPv6 /64), or "<address> <client>".
    subject: text('subject').notNull(),
    failures: integer('failures').notNull(),
    windowStartedAt: instant('window_started_at').notNull(),
    blockedUntil: instant('blocked_until'),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subject] }), index('login_throttles_window_idx').on(t.windowStartedAt)],
);
