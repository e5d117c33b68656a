/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What a user account is used for. */
export type AccountKind =
  /** An address that forwards to `listMembers`; it has no password and cannot sign in. */
  | 'MAILING_LIST'
  /** A person who signs in with a password and reads a mailbox. */
  | 'PERSON';

/** A new alias for a user. */
export type AddAliasInput = {
  /** The alias, on the provider domain or a verified domain of yours. */
  address: string;
  /** The user who receives the mail. */
  userId: string | number;
};

/** Money to add to the deposit. */
export type AddDepositInput = {
  /** From "1.00" to "10000.00" EUR, at most two decimals. */
  amount: string;
  /** A key you choose (1-200 characters), such as a UUID: retrying with the same key and amount records one deposit. */
  idempotencyKey: string;
};

/** A domain to add to your master account. */
export type AddDomainInput = {
  /** The domain, such as "example.org" or "bücher.example"; stored in ASCII form. */
  name: string;
};

/** Users to add to a group. */
export type AddGroupMembersInput = {
  /** The group. */
  groupId: string | number;
  /** The role to give. Left out, new members get MEMBER and members already in keep theirs. */
  role?: GroupRole | null | undefined;
  /** The users (1-1,000), people of your master account. */
  userIds: Array<string | number>;
};

/** A new plan for one user account. */
export type ChangePlanInput = {
  /** The new plan. */
  plan: Plan;
  /** The user whose plan changes. */
  userId: string | number;
};

/** The challenge logIn answered, and a code of the person's second factor. */
export type CompleteLogInInput = {
  /** The `challenge` of SecondFactorRequired. */
  challenge: string;
  /** The 6-digit code the authenticator app shows now (each code works once), or one of the recovery codes (each works once). */
  code: string;
};

/** A code from the secret enrollSecondFactor gave. */
export type ConfirmSecondFactorInput = {
  /** The 6-digit code your authenticator app shows now. */
  code: string;
};

/** A new API token acting as you. */
export type CreateApiTokenInput = {
  /** When it stops working; leave out for no expiry. */
  expiresAt?: string | null | undefined;
  /** What the token is for (1-100 characters). */
  name: string;
  /** What it may do; never more than the token of this request may. */
  scopes: Array<TokenScope>;
};

/** A new group. */
export type CreateGroupInput = {
  /** What the group is for (up to 500 characters). */
  description?: string | null | undefined;
  /** Users to add at once, as MEMBER; people of your master account only. */
  memberIds?: Array<string | number> | null | undefined;
  /** The name (1-100 characters), unique in your master account in any case. */
  name: string;
};

/** A new shared resource. */
export type CreateResourceInput = {
  /** What it holds. */
  kind: ResourceKind;
  /** The name shown to people (1-100 characters). */
  name: string;
  /** The user who owns it, a person of your master account. */
  ownerId: string | number;
};

/** A new user account on an address of your master account. */
export type CreateUserInput = {
  /** The primary address, such as "ada@mailadmin.test"; stored lowercased. */
  address: string;
  /** The name shown to people (1-100 characters). */
  displayName: string;
  /** A person (default) or a mailing list. */
  kind?: AccountKind;
  /** For mailing lists: up to 1,000 addresses; duplicates are dropped. */
  listMembers?: Array<string> | null | undefined;
  /** At least 10 characters; required for PERSON, not allowed for MAILING_LIST. */
  password?: string | null | undefined;
  /** The plan of the new account. */
  plan: Plan;
  /** ADMIN or MEMBER (default MEMBER); OWNER cannot be assigned. */
  role?: UserRole | null | undefined;
};

/** The group to delete. */
export type DeleteGroupInput = {
  /** The group. */
  groupId: string | number;
};

/** The shared resource to delete. */
export type DeleteResourceInput = {
  /** The resource. */
  resourceId: string | number;
};

/** The user account to delete. */
export type DeleteUserInput = {
  /** The user to delete; never the owner. */
  userId: string | number;
};

/** Whose second factor to remove, and your password. */
export type DisableSecondFactorInput = {
  /** Your own password, also when resetting another user; a wrong one counts as a failed log-in. */
  password: string;
  /** Yourself, or (owner and administrators) another user of your master account. */
  userId: string | number;
};

/** Whether ownership of a custom domain has been proven. */
export type DomainStatus =
  /** Added, but its verification TXT record has not been found yet; no addresses can use it. */
  | 'PENDING'
  /** Ownership proven through DNS; addresses on it can be given to users and aliases. */
  | 'VERIFIED';

/** Your password, re-entered to enrol a second factor. */
export type EnrollSecondFactorInput = {
  /** Your own password; a wrong one counts as a failed log-in. */
  password: string;
};

/** A stable, machine-readable code for each kind of failure a client can handle. */
export type ErrorCode =
  /** The address is reserved (abuse@, postmaster@, hostmaster@, webmaster@). */
  | 'ADDRESS_RESERVED'
  /** The address is used by another account or alias, or was released less than 30 days ago. */
  | 'ADDRESS_TAKEN'
  /** The user already has as many aliases as their plan allows. */
  | 'ALIAS_LIMIT_REACHED'
  /** Addresses still use this domain, so it cannot be removed. */
  | 'DOMAIN_IN_USE'
  /** The address is on a domain that is not a verified domain of your master account. */
  | 'DOMAIN_NOT_VERIFIED'
  /** Another master account owns this domain. */
  | 'DOMAIN_TAKEN'
  /** Your role does not allow this, or the object (such as the owner) is protected. */
  | 'FORBIDDEN'
  /** Another group of your master account has this name (compared in any case). */
  | 'GROUP_NAME_TAKEN'
  /** The idempotency key was already used for a deposit of another amount. */
  | 'IDEMPOTENCY_CONFLICT'
  /** The deposit cannot pay for the change; the error tells what is required and available. */
  | 'INSUFFICIENT_FUNDS'
  /** The address, the password or a second-factor code is wrong (or a log-in challenge is unknown, expired or used). */
  | 'INVALID_CREDENTIALS'
  /** No such object exists in your master account (objects of others read the same). */
  | 'NOT_FOUND'
  /** Too many log-ins failed for this address or from this client; wait until `retryAfter`. */
  | 'RATE_LIMITED'
  /** A second factor is needed first: the owner's policy requires one you have not confirmed (until you enrol and confirm one, your session can only read `viewer` and log out), or you require them of others without one of your own. */
  | 'SECOND_FACTOR_REQUIRED'
  /** The token already holds 20 live subscriptions on this server; end one first (`limit` tells the cap). */
  | 'TOO_MANY_SUBSCRIPTIONS'
  /** The admin console needs the owner's plan to be ENTRY or PRO. */
  | 'UPGRADE_REQUIRED'
  /** An input field is missing, malformed or out of range; `field` names it. */
  | 'VALIDATION'
  /** The ownership TXT record was not found in DNS (or DNS did not answer). */
  | 'VERIFICATION_FAILED';

/** A member's role in a group. */
export type GroupRole =
  /** Is in the group and may add and remove its members, even without being an administrator. */
  | 'MANAGER'
  /** Is in the group and gets the access its shares give. */
  | 'MEMBER';

/** What moved the money. */
export type LedgerEntryKind =
  /** A correction made by the provider. */
  | 'ADJUSTMENT'
  /** A 30-day period of a paid account, charged in advance (at creation, upgrade from FREE, or renewal). */
  | 'CHARGE'
  /** Money added to the deposit ("add provision"). */
  | 'DEPOSIT'
  /** An upgrade to a dearer plan, charged for the rest of the current period. */
  | 'PRORATION'
  /** Money given back. */
  | 'REFUND';

/** Narrows the ledger; all given conditions must hold. */
export type LedgerFilter = {
  /** Only entries recorded at or after this instant. */
  from?: string | null | undefined;
  /** Only entries of this kind. */
  kind?: LedgerEntryKind | null | undefined;
  /** Only entries recorded at or before this instant. */
  to?: string | null | undefined;
  /** Only entries charged for this user. */
  userId?: string | number | null | undefined;
};

/** The credentials of a person. */
export type LogInInput = {
  /** The primary address, in any case. */
  address: string;
  /** The password. */
  password: string;
};

/** Ascending or descending order. */
export type OrderDirection =
  /** Smallest first. */
  | 'ASC'
  /** Largest first. */
  | 'DESC';

/** The subscription of a user account; prices and limits are in `planPrices`. */
export type Plan =
  /** The entry paid plan (2.50 EUR per 30 days by default). */
  | 'ENTRY'
  /** No charge; no aliases, 500 MB, and no admin console for an owner. */
  | 'FREE'
  /** The full paid plan (7.50 EUR per 30 days by default). */
  | 'PRO';

/** The alias to remove. */
export type RemoveAliasInput = {
  /** The alias. */
  aliasId: string | number;
};

/** The domain to remove. */
export type RemoveDomainInput = {
  /** The domain. */
  domainId: string | number;
};

/** Users to remove from a group. */
export type RemoveGroupMembersInput = {
  /** The group. */
  groupId: string | number;
  /** The users (1-1,000); those not in the group are skipped. */
  userIds: Array<string | number>;
};

/** What kind of data a shared resource holds. */
export type ResourceKind =
  /** A calendar. */
  | 'CALENDAR'
  /** An address book. */
  | 'CONTACTS'
  /** A folder of documents. */
  | 'DOCUMENTS'
  /** A mailbox, such as a team inbox. */
  | 'MAILBOX';

/** The API token to revoke. */
export type RevokeApiTokenInput = {
  /** The token to revoke. */
  apiTokenId: string | number;
};

/** Sessions of one user to end. */
export type RevokeSessionsInput = {
  /** The sessions to end (1-100, each a live session of that user); leave out to end every session of that user except the one of this request. */
  sessionIds?: Array<string | number> | null | undefined;
  /** The user whose sessions end. */
  userId: string | number;
};

/** Who must sign in with a second factor. A person it covers who has none can, in a session, only read `viewer`, enrol and confirm one, and log out (SECOND_FACTOR_REQUIRED otherwise). API tokens are not covered. */
export type SecondFactorPolicy =
  /** The owner and the administrators. */
  | 'ADMINS'
  /** Every person of the master account. */
  | 'EVERYONE'
  /** Nobody must; people may still enrol one, and then need it to log in. */
  | 'NONE';

/** A new low-balance threshold. */
export type SetLowBalanceThresholdInput = {
  /** The threshold, such as "20.00"; "0.00" turns the invitations off. */
  amount: string;
};

/** Who must sign in with a second factor. */
export type SetSecondFactorPolicyInput = {
  /** NONE, ADMINS (the owner and administrators) or EVERYONE. */
  requiredFor: SecondFactorPolicy;
};

/** What a share allows, from weakest to strongest: READ, then WRITE, then MANAGE. */
export type SharePermission =
  /** May do everything with it; its owner always has MANAGE. */
  | 'MANAGE'
  /** May open it and read its contents. */
  | 'READ'
  /** May also add, change and delete its contents. */
  | 'WRITE';

/** A resource, a group and what the group may do with it. */
export type ShareResourceInput = {
  /** The group. */
  groupId: string | number;
  /** What the members of the group may do. */
  permission: SharePermission;
  /** The resource. */
  resourceId: string | number;
};

/** A new master account and its owner. */
export type SignUpInput = {
  /** The name of the organization or family (1-100 characters). */
  organizationName: string;
  /** The owner's address on the provider's domain, such as "ada@mailadmin.test". */
  ownerAddress: string;
  /** The owner's display name (1-100 characters). */
  ownerDisplayName: string;
  /** The owner's password: at least 10 characters. */
  password: string;
  /** The owner's plan; the admin console needs ENTRY or PRO (the owner's plan is not paid from the deposit). */
  plan: Plan;
};

/** What a token may do. */
export type TokenScope =
  /** Move money: add deposits and change billing settings (together with WRITE). */
  | 'BILLING'
  /** Look things up: `node`, `nodes`, the master account's lists, balance and ledger, and subscriptions. Without it a token still sees `viewer` and what its own mutations return. */
  | 'READ'
  /** Run mutations and read back what they return; looking anything else up needs READ. */
  | 'WRITE';

/** The owner hands the master account to an administrator. */
export type TransferOwnershipInput = {
  /** The new owner: an ACTIVE person with the ADMIN role, on a paid plan. */
  newOwnerId: string | number;
  /** The owner's own password, re-entered; a wrong one counts as a failed log-in. */
  password: string;
};

/** A resource and the group to stop sharing it with. */
export type UnshareResourceInput = {
  /** The group. */
  groupId: string | number;
  /** The resource. */
  resourceId: string | number;
};

/** Changes to a group; fields left out stay as they are. */
export type UpdateGroupInput = {
  /** A new description (up to 500 characters); an empty string removes it. */
  description?: string | null | undefined;
  /** The group to change. */
  groupId: string | number;
  /** A new name (1-100 characters), unique in your master account in any case. */
  name?: string | null | undefined;
};

/** Changes to a user account; fields left out stay as they are. */
export type UpdateUserInput = {
  /** A new display name (1-100 characters). */
  displayName?: string | null | undefined;
  /** For mailing lists: the new member addresses, replacing the old ones. */
  listMembers?: Array<string> | null | undefined;
  /** A new password (at least 10 characters); people only. */
  password?: string | null | undefined;
  /** ADMIN or MEMBER; the owner keeps OWNER. */
  role?: UserRole | null | undefined;
  /** SUSPENDED to block the account (its sessions end, its tokens stop; billing never lifts it); ACTIVE to lift a suspension (a renewal unpaid meanwhile shows PAST_DUE). PAST_DUE is billing's, never set by hand. */
  status?: UserStatus | null | undefined;
  /** Why the user is suspended (1-500 characters), recorded with the suspension; only with status SUSPENDED. */
  suspensionReason?: string | null | undefined;
  /** The user to change. */
  userId: string | number;
};

/** Narrows a list of users; all given conditions must hold. */
export type UserFilter = {
  /** Only people, or only mailing lists. */
  kind?: AccountKind | null | undefined;
  /** Only users on this plan. */
  plan?: Plan | null | undefined;
  /** Only users whose address or display name contains this text (any case). */
  search?: string | null | undefined;
  /** Only users with this status. */
  status?: UserStatus | null | undefined;
};

/** The order of a list of users; ties are broken by ID so pages never overlap. */
export type UserOrder = {
  /** ASC (default) or DESC. */
  direction?: OrderDirection;
  /** The field to sort by. */
  field: UserOrderField;
};

/** What a list of users can be sorted by. */
export type UserOrderField =
  /** The primary address. */
  | 'ADDRESS'
  /** When the account was created (the default). */
  | 'CREATED_AT'
  /** The display name. */
  | 'DISPLAY_NAME'
  /** The plan: FREE, then ENTRY, then PRO. */
  | 'PLAN';

/** A user's powers inside the master account. */
export type UserRole =
  /** Does everything the owner does, except deleting the owner or the master account. */
  | 'ADMIN'
  /** Uses their own account; may change their own name and password. */
  | 'MEMBER'
  /** The administrator who owns the master account; exactly one per master account. */
  | 'OWNER';

/** Whether an account can be used. */
export type UserStatus =
  /** In use. */
  | 'ACTIVE'
  /** Its renewal could not be paid from the deposit; mail keeps working for 14 days. */
  | 'PAST_DUE'
  /** Blocked by an administrator: cannot sign in, and its tokens stop working; mail is kept. */
  | 'SUSPENDED';

/** The domain to verify. */
export type VerifyDomainInput = {
  /** The domain. */
  domainId: string | number;
};

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp:
    | { __typename: 'AddressReservedError', code: ErrorCode, message: string }
    | { __typename: 'AddressTakenError', code: ErrorCode, message: string }
    | { __typename: 'DomainNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'SignUpSuccess', token: string, viewer: { scopes: Array<TokenScope>, user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, masterAccount: { id: string, name: string } } }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type LogInMutationVariables = Exact<{
  input: LogInInput;
}>;


export type LogInMutation = { logIn:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'LogInSuccess', token: string, viewer: { scopes: Array<TokenScope>, secondFactorMissing: boolean, user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } } }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'SecondFactorRequired', challenge: string, expiresAt: string }
   };

export type LogOutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogOutMutation = { logOut: boolean };

export type CreateApiTokenMutationVariables = Exact<{
  input: CreateApiTokenInput;
}>;


export type CreateApiTokenMutation = { createApiToken:
    | { __typename: 'CreateApiTokenSuccess', token: string, apiToken: { id: string, name: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type RevokeApiTokenMutationVariables = Exact<{
  input: RevokeApiTokenInput;
}>;


export type RevokeApiTokenMutation = { revokeApiToken:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RevokeApiTokenSuccess', apiToken: { id: string, name: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { scopes: Array<TokenScope>, user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, masterAccount: { id: string, name: string, createdAt: string, consoleAccess: boolean, lowBalance: boolean, balance: { amount: string, minorUnits: number, currency: string }, lowBalanceThreshold: { amount: string, minorUnits: number, currency: string }, monthlyCost: { amount: string, minorUnits: number, currency: string }, runway: { depletesOn: string | null, days: number | null } } } | null };

export type PlanPricesQueryVariables = Exact<{ [key: string]: never; }>;


export type PlanPricesQuery = { planPrices: Array<{ plan: Plan, aliasLimit: number, storageQuotaBytes: number, price: { amount: string, minorUnits: number, currency: string } }> };

export type NodeQueryVariables = Exact<{
  id: string | number;
}>;


export type NodeQuery = { node:
    | { __typename: 'Alias', address: string, createdAt: string, id: string, user: { id: string } }
    | { __typename: 'ApiToken', id: string, name: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }
    | { __typename: 'AuditEvent', id: string, action: string, targetId: string | null, createdAt: string, details: unknown, actor: { id: string, address: string } | null }
    | { __typename: 'Domain', id: string }
    | { __typename: 'Group', id: string }
    | { __typename: 'LedgerEntry', id: string }
    | { __typename: 'MasterAccount', name: string, id: string }
    | { __typename: 'Session', id: string }
    | { __typename: 'SharedResource', id: string }
    | { __typename: 'User', id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }
   | null };

export type AddDepositMutationVariables = Exact<{
  input: AddDepositInput;
}>;


export type AddDepositMutation = { addDeposit:
    | { __typename: 'AddDepositSuccess', ledgerEntry: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null }, masterAccount: { id: string, lowBalance: boolean, balance: { amount: string, minorUnits: number, currency: string } } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'IdempotencyConflictError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type SetLowBalanceThresholdMutationVariables = Exact<{
  input: SetLowBalanceThresholdInput;
}>;


export type SetLowBalanceThresholdMutation = { setLowBalanceThreshold:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'SetLowBalanceThresholdSuccess', masterAccount: { id: string, lowBalance: boolean, lowBalanceThreshold: { amount: string, minorUnits: number, currency: string } } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type LedgerQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: LedgerFilter | null | undefined;
}>;


export type LedgerQuery = { viewer: { masterAccount: { ledger: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null } }> } } } | null };

export type LedgerEntryAddedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LedgerEntryAddedSubscription = { ledgerEntryAdded: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null } };

export type LowBalanceSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LowBalanceSubscription = { lowBalance: { createdAt: string, balance: { amount: string, minorUnits: number, currency: string }, threshold: { amount: string, minorUnits: number, currency: string } } };

export type AddDomainMutationVariables = Exact<{
  input: AddDomainInput;
}>;


export type AddDomainMutation = { addDomain:
    | { __typename: 'AddDomainSuccess', domain: { id: string, name: string, status: DomainStatus, createdAt: string, verifiedAt: string | null, verificationRecord: { type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }, requiredRecords: Array<{ type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }> } }
    | { __typename: 'DomainTakenError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type VerifyDomainMutationVariables = Exact<{
  input: VerifyDomainInput;
}>;


export type VerifyDomainMutation = { verifyDomain:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
    | { __typename: 'VerificationFailedError', code: ErrorCode, message: string }
    | { __typename: 'VerifyDomainSuccess', domain: { id: string, name: string, status: DomainStatus, createdAt: string, verifiedAt: string | null, verificationRecord: { type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }, requiredRecords: Array<{ type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }> } }
   };

export type RemoveDomainMutationVariables = Exact<{
  input: RemoveDomainInput;
}>;


export type RemoveDomainMutation = { removeDomain:
    | { __typename: 'DomainInUseError', addressCount: number, code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RemoveDomainSuccess', removedDomainId: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type DomainsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type DomainsQuery = { viewer: { masterAccount: { domains: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, status: DomainStatus, createdAt: string, verifiedAt: string | null, verificationRecord: { type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }, requiredRecords: Array<{ type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }> } }> } } } | null };

export type MoneyFieldsFragment = { amount: string, minorUnits: number, currency: string };

export type UserFieldsFragment = { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> };

export type LedgerEntryFieldsFragment = { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null };

export type DnsRecordFieldsFragment = { type: string, name: string, value: string, found: boolean | null, checkedAt: string | null };

export type DomainFieldsFragment = { id: string, name: string, status: DomainStatus, createdAt: string, verifiedAt: string | null, verificationRecord: { type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }, requiredRecords: Array<{ type: string, name: string, value: string, found: boolean | null, checkedAt: string | null }> };

export type ApiTokenFieldsFragment = { id: string, name: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null };

export type AuditEventFieldsFragment = { id: string, action: string, targetId: string | null, createdAt: string, details: unknown, actor: { id: string, address: string } | null };

export type PageInfoFieldsFragment = { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null };

type ErrorFields_AddressReservedError_Fragment = { __typename: 'AddressReservedError', code: ErrorCode, message: string };

type ErrorFields_AddressTakenError_Fragment = { __typename: 'AddressTakenError', code: ErrorCode, message: string };

type ErrorFields_AliasLimitReachedError_Fragment = { __typename: 'AliasLimitReachedError', limit: number, code: ErrorCode, message: string };

type ErrorFields_DomainInUseError_Fragment = { __typename: 'DomainInUseError', addressCount: number, code: ErrorCode, message: string };

type ErrorFields_DomainNotVerifiedError_Fragment = { __typename: 'DomainNotVerifiedError', code: ErrorCode, message: string };

type ErrorFields_DomainTakenError_Fragment = { __typename: 'DomainTakenError', code: ErrorCode, message: string };

type ErrorFields_ForbiddenError_Fragment = { __typename: 'ForbiddenError', code: ErrorCode, message: string };

type ErrorFields_GroupNameTakenError_Fragment = { __typename: 'GroupNameTakenError', code: ErrorCode, message: string };

type ErrorFields_IdempotencyConflictError_Fragment = { __typename: 'IdempotencyConflictError', code: ErrorCode, message: string };

type ErrorFields_InsufficientFundsError_Fragment = { __typename: 'InsufficientFundsError', code: ErrorCode, message: string, required: { amount: string, minorUnits: number, currency: string }, available: { amount: string, minorUnits: number, currency: string } };

type ErrorFields_InvalidCredentialsError_Fragment = { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string };

type ErrorFields_NotFoundError_Fragment = { __typename: 'NotFoundError', code: ErrorCode, message: string };

type ErrorFields_RateLimitedError_Fragment = { __typename: 'RateLimitedError', code: ErrorCode, message: string };

type ErrorFields_SecondFactorRequiredError_Fragment = { __typename: 'SecondFactorRequiredError', code: ErrorCode, message: string };

type ErrorFields_UpgradeRequiredError_Fragment = { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string };

type ErrorFields_ValidationError_Fragment = { __typename: 'ValidationError', field: string, code: ErrorCode, message: string };

type ErrorFields_VerificationFailedError_Fragment = { __typename: 'VerificationFailedError', code: ErrorCode, message: string };

export type ErrorFieldsFragment =
  | ErrorFields_AddressReservedError_Fragment
  | ErrorFields_AddressTakenError_Fragment
  | ErrorFields_AliasLimitReachedError_Fragment
  | ErrorFields_DomainInUseError_Fragment
  | ErrorFields_DomainNotVerifiedError_Fragment
  | ErrorFields_DomainTakenError_Fragment
  | ErrorFields_ForbiddenError_Fragment
  | ErrorFields_GroupNameTakenError_Fragment
  | ErrorFields_IdempotencyConflictError_Fragment
  | ErrorFields_InsufficientFundsError_Fragment
  | ErrorFields_InvalidCredentialsError_Fragment
  | ErrorFields_NotFoundError_Fragment
  | ErrorFields_RateLimitedError_Fragment
  | ErrorFields_SecondFactorRequiredError_Fragment
  | ErrorFields_UpgradeRequiredError_Fragment
  | ErrorFields_ValidationError_Fragment
  | ErrorFields_VerificationFailedError_Fragment
;

export type GroupFieldsFragment = { id: string, name: string, description: string | null, createdAt: string };

export type ResourceFieldsFragment = { id: string, kind: ResourceKind, name: string, createdAt: string, owner: { id: string, address: string }, shares: Array<{ permission: SharePermission, group: { id: string, name: string } }> };

export type CreateGroupMutationVariables = Exact<{
  input: CreateGroupInput;
}>;


export type CreateGroupMutation = { createGroup:
    | { __typename: 'CreateGroupSuccess', group: { id: string, name: string, description: string | null, createdAt: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'GroupNameTakenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type UpdateGroupMutationVariables = Exact<{
  input: UpdateGroupInput;
}>;


export type UpdateGroupMutation = { updateGroup:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'GroupNameTakenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateGroupSuccess', group: { id: string, name: string, description: string | null, createdAt: string } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type DeleteGroupMutationVariables = Exact<{
  input: DeleteGroupInput;
}>;


export type DeleteGroupMutation = { deleteGroup:
    | { __typename: 'DeleteGroupSuccess', deletedGroupId: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type AddGroupMembersMutationVariables = Exact<{
  input: AddGroupMembersInput;
}>;


export type AddGroupMembersMutation = { addGroupMembers:
    | { __typename: 'AddGroupMembersSuccess', group: { id: string, name: string, description: string | null, createdAt: string, members: { totalCount: number } } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type RemoveGroupMembersMutationVariables = Exact<{
  input: RemoveGroupMembersInput;
}>;


export type RemoveGroupMembersMutation = { removeGroupMembers:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RemoveGroupMembersSuccess', group: { id: string, name: string, description: string | null, createdAt: string, members: { totalCount: number } } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type CreateResourceMutationVariables = Exact<{
  input: CreateResourceInput;
}>;


export type CreateResourceMutation = { createResource:
    | { __typename: 'CreateResourceSuccess', resource: { id: string, kind: ResourceKind, name: string, createdAt: string, owner: { id: string, address: string }, shares: Array<{ permission: SharePermission, group: { id: string, name: string } }> } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type DeleteResourceMutationVariables = Exact<{
  input: DeleteResourceInput;
}>;


export type DeleteResourceMutation = { deleteResource:
    | { __typename: 'DeleteResourceSuccess', deletedResourceId: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type ShareResourceMutationVariables = Exact<{
  input: ShareResourceInput;
}>;


export type ShareResourceMutation = { shareResource:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ShareResourceSuccess', share: { permission: SharePermission, group: { id: string, name: string, description: string | null, createdAt: string }, resource: { id: string, kind: ResourceKind, name: string, createdAt: string, owner: { id: string, address: string }, shares: Array<{ permission: SharePermission, group: { id: string, name: string } }> } } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type UnshareResourceMutationVariables = Exact<{
  input: UnshareResourceInput;
}>;


export type UnshareResourceMutation = { unshareResource:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UnshareResourceSuccess', resource: { id: string, kind: ResourceKind, name: string, createdAt: string, owner: { id: string, address: string }, shares: Array<{ permission: SharePermission, group: { id: string, name: string } }> } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type GroupsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type GroupsQuery = { viewer: { masterAccount: { groups: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, description: string | null, createdAt: string } }> } } } | null };

export type GroupMembersQueryVariables = Exact<{
  groupId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type GroupMembersQuery = { node:
    | { __typename: 'Alias' }
    | { __typename: 'ApiToken' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Domain' }
    | { __typename: 'Group', members: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, role: GroupRole, addedAt: string, node: { id: string, address: string, displayName: string } }> } }
    | { __typename: 'LedgerEntry' }
    | { __typename: 'MasterAccount' }
    | { __typename: 'Session' }
    | { __typename: 'SharedResource' }
    | { __typename: 'User' }
   | null };

export type ResourcesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ResourcesQuery = { viewer: { masterAccount: { resources: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, kind: ResourceKind, name: string, createdAt: string, owner: { id: string, address: string }, shares: Array<{ permission: SharePermission, group: { id: string, name: string } }> } }> } } } | null };

export type UserAccessQueryVariables = Exact<{
  userId: string | number;
}>;


export type UserAccessQuery = { node:
    | { __typename: 'Alias' }
    | { __typename: 'ApiToken' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Domain' }
    | { __typename: 'Group' }
    | { __typename: 'LedgerEntry' }
    | { __typename: 'MasterAccount' }
    | { __typename: 'Session' }
    | { __typename: 'SharedResource' }
    | { __typename: 'User', access: Array<{ permission: SharePermission, resource: { id: string, kind: ResourceKind, name: string } }> }
   | null };

export type CompleteLogInMutationVariables = Exact<{
  input: CompleteLogInInput;
}>;


export type CompleteLogInMutation = { completeLogIn:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'LogInSuccess', token: string, viewer: { scopes: Array<TokenScope>, secondFactorMissing: boolean, user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } } }
    | { __typename: 'RateLimitedError', retryAfter: string, retryAfterSeconds: number, code: ErrorCode, message: string }
   };

export type EnrollSecondFactorMutationVariables = Exact<{
  input: EnrollSecondFactorInput;
}>;


export type EnrollSecondFactorMutation = { enrollSecondFactor:
    | { __typename: 'EnrollSecondFactorSuccess', secret: string, otpauthUri: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', retryAfter: string, retryAfterSeconds: number, code: ErrorCode, message: string }
   };

export type ConfirmSecondFactorMutationVariables = Exact<{
  input: ConfirmSecondFactorInput;
}>;


export type ConfirmSecondFactorMutation = { confirmSecondFactor:
    | { __typename: 'ConfirmSecondFactorSuccess', recoveryCodes: Array<string> }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', retryAfter: string, retryAfterSeconds: number, code: ErrorCode, message: string }
   };

export type DisableSecondFactorMutationVariables = Exact<{
  input: DisableSecondFactorInput;
}>;


export type DisableSecondFactorMutation = { disableSecondFactor:
    | { __typename: 'DisableSecondFactorSuccess', user: { secondFactor: boolean, id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', retryAfter: string, retryAfterSeconds: number, code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type SetSecondFactorPolicyMutationVariables = Exact<{
  input: SetSecondFactorPolicyInput;
}>;


export type SetSecondFactorPolicyMutation = { setSecondFactorPolicy:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'SecondFactorRequiredError', code: ErrorCode, message: string }
    | { __typename: 'SetSecondFactorPolicySuccess', masterAccount: { id: string, secondFactorPolicy: SecondFactorPolicy } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type CreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type CreateUserMutation = { createUser:
    | { __typename: 'AddressReservedError', code: ErrorCode, message: string }
    | { __typename: 'AddressTakenError', code: ErrorCode, message: string }
    | { __typename: 'CreateUserSuccess', user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, ledgerEntry: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null } | null }
    | { __typename: 'DomainNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string, required: { amount: string, minorUnits: number, currency: string }, available: { amount: string, minorUnits: number, currency: string } }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type UpdateUserMutationVariables = Exact<{
  input: UpdateUserInput;
}>;


export type UpdateUserMutation = { updateUser:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateUserSuccess', user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type ChangePlanMutationVariables = Exact<{
  input: ChangePlanInput;
}>;


export type ChangePlanMutation = { changePlan:
    | { __typename: 'ChangePlanSuccess', user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, ledgerEntry: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null } | null }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string, required: { amount: string, minorUnits: number, currency: string }, available: { amount: string, minorUnits: number, currency: string } }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type DeleteUserMutationVariables = Exact<{
  input: DeleteUserInput;
}>;


export type DeleteUserMutation = { deleteUser:
    | { __typename: 'DeleteUserSuccess', deletedUserId: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type AddAliasMutationVariables = Exact<{
  input: AddAliasInput;
}>;


export type AddAliasMutation = { addAlias:
    | { __typename: 'AddAliasSuccess', alias: { id: string, address: string, createdAt: string, user: { id: string } } }
    | { __typename: 'AddressReservedError', code: ErrorCode, message: string }
    | { __typename: 'AddressTakenError', code: ErrorCode, message: string }
    | { __typename: 'AliasLimitReachedError', limit: number, code: ErrorCode, message: string }
    | { __typename: 'DomainNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type RemoveAliasMutationVariables = Exact<{
  input: RemoveAliasInput;
}>;


export type RemoveAliasMutation = { removeAlias:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RemoveAliasSuccess', removedAliasId: string, user: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type UsersQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: UserFilter | null | undefined;
  orderBy?: UserOrder | null | undefined;
}>;


export type UsersQuery = { viewer: { masterAccount: { users: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> } }> } } } | null };

export type AuditLogQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { viewer: { masterAccount: { auditLog: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, action: string, targetId: string | null, createdAt: string, details: unknown, actor: { id: string, address: string } | null } }> } } } | null };

export type SessionFieldsFragment = { id: string, createdAt: string, lastUsedAt: string | null, expiresAt: string, client: string | null, ipAddress: string | null, current: boolean };

export type UserSessionsQueryVariables = Exact<{
  userId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type UserSessionsQuery = { node:
    | { __typename: 'Alias' }
    | { __typename: 'ApiToken' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Domain' }
    | { __typename: 'Group' }
    | { __typename: 'LedgerEntry' }
    | { __typename: 'MasterAccount' }
    | { __typename: 'Session' }
    | { __typename: 'SharedResource' }
    | { __typename: 'User', sessions: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, createdAt: string, lastUsedAt: string | null, expiresAt: string, client: string | null, ipAddress: string | null, current: boolean } }> } }
   | null };

export type RevokeSessionsMutationVariables = Exact<{
  input: RevokeSessionsInput;
}>;


export type RevokeSessionsMutation = { revokeSessions:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RevokeSessionsSuccess', revokedCount: number }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export type TransferOwnershipMutationVariables = Exact<{
  input: TransferOwnershipInput;
}>;


export type TransferOwnershipMutation = { transferOwnership:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string, required: { amount: string, minorUnits: number, currency: string }, available: { amount: string, minorUnits: number, currency: string } }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string }
    | { __typename: 'TransferOwnershipSuccess', masterAccount: { id: string, name: string }, previousOwner: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, newOwner: { id: string, address: string, displayName: string, kind: AccountKind, plan: Plan, pendingPlan: Plan | null, status: UserStatus, suspendedAt: string | null, suspensionReason: string | null, role: UserRole, paidThrough: string | null, createdAt: string, aliasLimit: number, storageQuotaBytes: number, listMembers: Array<string>, aliases: Array<{ id: string, address: string, createdAt: string }> }, ledgerEntry: { id: string, kind: LedgerEntryKind, description: string, plan: Plan | null, periodStart: string | null, periodEnd: string | null, createdAt: string, amount: { amount: string, minorUnits: number, currency: string }, balanceAfter: { amount: string, minorUnits: number, currency: string }, user: { id: string, address: string } | null } | null }
    | { __typename: 'UpgradeRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', field: string, code: ErrorCode, message: string }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const UserFieldsFragmentDoc = new TypedDocumentString(`
    fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
    `, {"fragmentName":"UserFields"}) as unknown as TypedDocumentString<UserFieldsFragment, unknown>;
export const MoneyFieldsFragmentDoc = new TypedDocumentString(`
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
    `, {"fragmentName":"MoneyFields"}) as unknown as TypedDocumentString<MoneyFieldsFragment, unknown>;
export const LedgerEntryFieldsFragmentDoc = new TypedDocumentString(`
    fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}`, {"fragmentName":"LedgerEntryFields"}) as unknown as TypedDocumentString<LedgerEntryFieldsFragment, unknown>;
export const DnsRecordFieldsFragmentDoc = new TypedDocumentString(`
    fragment DnsRecordFields on DnsRecord {
  type
  name
  value
  found
  checkedAt
}
    `, {"fragmentName":"DnsRecordFields"}) as unknown as TypedDocumentString<DnsRecordFieldsFragment, unknown>;
export const DomainFieldsFragmentDoc = new TypedDocumentString(`
    fragment DomainFields on Domain {
  id
  name
  status
  createdAt
  verifiedAt
  verificationRecord {
    ...DnsRecordFields
  }
  requiredRecords {
    ...DnsRecordFields
  }
}
    fragment DnsRecordFields on DnsRecord {
  type
  name
  value
  found
  checkedAt
}`, {"fragmentName":"DomainFields"}) as unknown as TypedDocumentString<DomainFieldsFragment, unknown>;
export const ApiTokenFieldsFragmentDoc = new TypedDocumentString(`
    fragment ApiTokenFields on ApiToken {
  id
  name
  scopes
  createdAt
  lastUsedAt
  expiresAt
  revokedAt
}
    `, {"fragmentName":"ApiTokenFields"}) as unknown as TypedDocumentString<ApiTokenFieldsFragment, unknown>;
export const AuditEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment AuditEventFields on AuditEvent {
  id
  action
  targetId
  createdAt
  details
  actor {
    id
    address
  }
}
    `, {"fragmentName":"AuditEventFields"}) as unknown as TypedDocumentString<AuditEventFieldsFragment, unknown>;
export const PageInfoFieldsFragmentDoc = new TypedDocumentString(`
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
    `, {"fragmentName":"PageInfoFields"}) as unknown as TypedDocumentString<PageInfoFieldsFragment, unknown>;
export const ErrorFieldsFragmentDoc = new TypedDocumentString(`
    fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}`, {"fragmentName":"ErrorFields"}) as unknown as TypedDocumentString<ErrorFieldsFragment, unknown>;
export const GroupFieldsFragmentDoc = new TypedDocumentString(`
    fragment GroupFields on Group {
  id
  name
  description
  createdAt
}
    `, {"fragmentName":"GroupFields"}) as unknown as TypedDocumentString<GroupFieldsFragment, unknown>;
export const ResourceFieldsFragmentDoc = new TypedDocumentString(`
    fragment ResourceFields on SharedResource {
  id
  kind
  name
  createdAt
  owner {
    id
    address
  }
  shares {
    permission
    group {
      id
      name
    }
  }
}
    `, {"fragmentName":"ResourceFields"}) as unknown as TypedDocumentString<ResourceFieldsFragment, unknown>;
export const SessionFieldsFragmentDoc = new TypedDocumentString(`
    fragment SessionFields on Session {
  id
  createdAt
  lastUsedAt
  expiresAt
  client
  ipAddress
  current
}
    `, {"fragmentName":"SessionFields"}) as unknown as TypedDocumentString<SessionFieldsFragment, unknown>;
export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on SignUpSuccess {
      token
      viewer {
        scopes
        user {
          ...UserFields
        }
        masterAccount {
          id
          name
        }
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const LogInDocument = new TypedDocumentString(`
    mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    __typename
    ... on LogInSuccess {
      token
      viewer {
        scopes
        secondFactorMissing
        user {
          ...UserFields
        }
      }
    }
    ... on SecondFactorRequired {
      challenge
      expiresAt
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<LogInMutation, LogInMutationVariables>;
export const LogOutDocument = new TypedDocumentString(`
    mutation LogOut {
  logOut
}
    `) as unknown as TypedDocumentString<LogOutMutation, LogOutMutationVariables>;
export const CreateApiTokenDocument = new TypedDocumentString(`
    mutation CreateApiToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    __typename
    ... on CreateApiTokenSuccess {
      token
      apiToken {
        ...ApiTokenFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ApiTokenFields on ApiToken {
  id
  name
  scopes
  createdAt
  lastUsedAt
  expiresAt
  revokedAt
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<CreateApiTokenMutation, CreateApiTokenMutationVariables>;
export const RevokeApiTokenDocument = new TypedDocumentString(`
    mutation RevokeApiToken($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) {
    __typename
    ... on RevokeApiTokenSuccess {
      apiToken {
        ...ApiTokenFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ApiTokenFields on ApiToken {
  id
  name
  scopes
  createdAt
  lastUsedAt
  expiresAt
  revokedAt
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<RevokeApiTokenMutation, RevokeApiTokenMutationVariables>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    scopes
    user {
      ...UserFields
    }
    masterAccount {
      id
      name
      createdAt
      consoleAccess
      balance {
        ...MoneyFields
      }
      lowBalanceThreshold {
        ...MoneyFields
      }
      lowBalance
      monthlyCost {
        ...MoneyFields
      }
      runway {
        depletesOn
        days
      }
    }
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}`) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const PlanPricesDocument = new TypedDocumentString(`
    query PlanPrices {
  planPrices {
    plan
    price {
      ...MoneyFields
    }
    aliasLimit
    storageQuotaBytes
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}`) as unknown as TypedDocumentString<PlanPricesQuery, PlanPricesQueryVariables>;
export const NodeDocument = new TypedDocumentString(`
    query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on User {
      ...UserFields
    }
    ... on ApiToken {
      ...ApiTokenFields
    }
    ... on AuditEvent {
      ...AuditEventFields
    }
    ... on Alias {
      address
      createdAt
      user {
        id
      }
    }
    ... on MasterAccount {
      name
    }
  }
}
    fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ApiTokenFields on ApiToken {
  id
  name
  scopes
  createdAt
  lastUsedAt
  expiresAt
  revokedAt
}
fragment AuditEventFields on AuditEvent {
  id
  action
  targetId
  createdAt
  details
  actor {
    id
    address
  }
}`) as unknown as TypedDocumentString<NodeQuery, NodeQueryVariables>;
export const AddDepositDocument = new TypedDocumentString(`
    mutation AddDeposit($input: AddDepositInput!) {
  addDeposit(input: $input) {
    __typename
    ... on AddDepositSuccess {
      ledgerEntry {
        ...LedgerEntryFields
      }
      masterAccount {
        id
        balance {
          ...MoneyFields
        }
        lowBalance
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<AddDepositMutation, AddDepositMutationVariables>;
export const SetLowBalanceThresholdDocument = new TypedDocumentString(`
    mutation SetLowBalanceThreshold($input: SetLowBalanceThresholdInput!) {
  setLowBalanceThreshold(input: $input) {
    __typename
    ... on SetLowBalanceThresholdSuccess {
      masterAccount {
        id
        lowBalanceThreshold {
          ...MoneyFields
        }
        lowBalance
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<SetLowBalanceThresholdMutation, SetLowBalanceThresholdMutationVariables>;
export const LedgerDocument = new TypedDocumentString(`
    query Ledger($first: Int, $after: String, $filter: LedgerFilter) {
  viewer {
    masterAccount {
      ledger(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...LedgerEntryFields
          }
        }
      }
    }
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`) as unknown as TypedDocumentString<LedgerQuery, LedgerQueryVariables>;
export const LedgerEntryAddedDocument = new TypedDocumentString(`
    subscription LedgerEntryAdded {
  ledgerEntryAdded {
    ...LedgerEntryFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}`) as unknown as TypedDocumentString<LedgerEntryAddedSubscription, LedgerEntryAddedSubscriptionVariables>;
export const LowBalanceDocument = new TypedDocumentString(`
    subscription LowBalance {
  lowBalance {
    balance {
      ...MoneyFields
    }
    threshold {
      ...MoneyFields
    }
    createdAt
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}`) as unknown as TypedDocumentString<LowBalanceSubscription, LowBalanceSubscriptionVariables>;
export const AddDomainDocument = new TypedDocumentString(`
    mutation AddDomain($input: AddDomainInput!) {
  addDomain(input: $input) {
    __typename
    ... on AddDomainSuccess {
      domain {
        ...DomainFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment DnsRecordFields on DnsRecord {
  type
  name
  value
  found
  checkedAt
}
fragment DomainFields on Domain {
  id
  name
  status
  createdAt
  verifiedAt
  verificationRecord {
    ...DnsRecordFields
  }
  requiredRecords {
    ...DnsRecordFields
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<AddDomainMutation, AddDomainMutationVariables>;
export const VerifyDomainDocument = new TypedDocumentString(`
    mutation VerifyDomain($input: VerifyDomainInput!) {
  verifyDomain(input: $input) {
    __typename
    ... on VerifyDomainSuccess {
      domain {
        ...DomainFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment DnsRecordFields on DnsRecord {
  type
  name
  value
  found
  checkedAt
}
fragment DomainFields on Domain {
  id
  name
  status
  createdAt
  verifiedAt
  verificationRecord {
    ...DnsRecordFields
  }
  requiredRecords {
    ...DnsRecordFields
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<VerifyDomainMutation, VerifyDomainMutationVariables>;
export const RemoveDomainDocument = new TypedDocumentString(`
    mutation RemoveDomain($input: RemoveDomainInput!) {
  removeDomain(input: $input) {
    __typename
    ... on RemoveDomainSuccess {
      removedDomainId
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<RemoveDomainMutation, RemoveDomainMutationVariables>;
export const DomainsDocument = new TypedDocumentString(`
    query Domains($first: Int, $after: String) {
  viewer {
    masterAccount {
      domains(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...DomainFields
          }
        }
      }
    }
  }
}
    fragment DnsRecordFields on DnsRecord {
  type
  name
  value
  found
  checkedAt
}
fragment DomainFields on Domain {
  id
  name
  status
  createdAt
  verifiedAt
  verificationRecord {
    ...DnsRecordFields
  }
  requiredRecords {
    ...DnsRecordFields
  }
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`) as unknown as TypedDocumentString<DomainsQuery, DomainsQueryVariables>;
export const CreateGroupDocument = new TypedDocumentString(`
    mutation CreateGroup($input: CreateGroupInput!) {
  createGroup(input: $input) {
    __typename
    ... on CreateGroupSuccess {
      group {
        ...GroupFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}`) as unknown as TypedDocumentString<CreateGroupMutation, CreateGroupMutationVariables>;
export const UpdateGroupDocument = new TypedDocumentString(`
    mutation UpdateGroup($input: UpdateGroupInput!) {
  updateGroup(input: $input) {
    __typename
    ... on UpdateGroupSuccess {
      group {
        ...GroupFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}`) as unknown as TypedDocumentString<UpdateGroupMutation, UpdateGroupMutationVariables>;
export const DeleteGroupDocument = new TypedDocumentString(`
    mutation DeleteGroup($input: DeleteGroupInput!) {
  deleteGroup(input: $input) {
    __typename
    ... on DeleteGroupSuccess {
      deletedGroupId
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<DeleteGroupMutation, DeleteGroupMutationVariables>;
export const AddGroupMembersDocument = new TypedDocumentString(`
    mutation AddGroupMembers($input: AddGroupMembersInput!) {
  addGroupMembers(input: $input) {
    __typename
    ... on AddGroupMembersSuccess {
      group {
        ...GroupFields
        members(first: 100) {
          totalCount
        }
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}`) as unknown as TypedDocumentString<AddGroupMembersMutation, AddGroupMembersMutationVariables>;
export const RemoveGroupMembersDocument = new TypedDocumentString(`
    mutation RemoveGroupMembers($input: RemoveGroupMembersInput!) {
  removeGroupMembers(input: $input) {
    __typename
    ... on RemoveGroupMembersSuccess {
      group {
        ...GroupFields
        members(first: 100) {
          totalCount
        }
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}`) as unknown as TypedDocumentString<RemoveGroupMembersMutation, RemoveGroupMembersMutationVariables>;
export const CreateResourceDocument = new TypedDocumentString(`
    mutation CreateResource($input: CreateResourceInput!) {
  createResource(input: $input) {
    __typename
    ... on CreateResourceSuccess {
      resource {
        ...ResourceFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment ResourceFields on SharedResource {
  id
  kind
  name
  createdAt
  owner {
    id
    address
  }
  shares {
    permission
    group {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<CreateResourceMutation, CreateResourceMutationVariables>;
export const DeleteResourceDocument = new TypedDocumentString(`
    mutation DeleteResource($input: DeleteResourceInput!) {
  deleteResource(input: $input) {
    __typename
    ... on DeleteResourceSuccess {
      deletedResourceId
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<DeleteResourceMutation, DeleteResourceMutationVariables>;
export const ShareResourceDocument = new TypedDocumentString(`
    mutation ShareResource($input: ShareResourceInput!) {
  shareResource(input: $input) {
    __typename
    ... on ShareResourceSuccess {
      share {
        permission
        group {
          ...GroupFields
        }
        resource {
          ...ResourceFields
        }
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}
fragment ResourceFields on SharedResource {
  id
  kind
  name
  createdAt
  owner {
    id
    address
  }
  shares {
    permission
    group {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ShareResourceMutation, ShareResourceMutationVariables>;
export const UnshareResourceDocument = new TypedDocumentString(`
    mutation UnshareResource($input: UnshareResourceInput!) {
  unshareResource(input: $input) {
    __typename
    ... on UnshareResourceSuccess {
      resource {
        ...ResourceFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}
fragment ResourceFields on SharedResource {
  id
  kind
  name
  createdAt
  owner {
    id
    address
  }
  shares {
    permission
    group {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<UnshareResourceMutation, UnshareResourceMutationVariables>;
export const GroupsDocument = new TypedDocumentString(`
    query Groups($first: Int, $after: String) {
  viewer {
    masterAccount {
      groups(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...GroupFields
          }
        }
      }
    }
  }
}
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
fragment GroupFields on Group {
  id
  name
  description
  createdAt
}`) as unknown as TypedDocumentString<GroupsQuery, GroupsQueryVariables>;
export const GroupMembersDocument = new TypedDocumentString(`
    query GroupMembers($groupId: ID!, $first: Int, $after: String) {
  node(id: $groupId) {
    __typename
    ... on Group {
      members(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          role
          addedAt
          node {
            id
            address
            displayName
          }
        }
      }
    }
  }
}
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`) as unknown as TypedDocumentString<GroupMembersQuery, GroupMembersQueryVariables>;
export const ResourcesDocument = new TypedDocumentString(`
    query Resources($first: Int, $after: String) {
  viewer {
    masterAccount {
      resources(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...ResourceFields
          }
        }
      }
    }
  }
}
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
fragment ResourceFields on SharedResource {
  id
  kind
  name
  createdAt
  owner {
    id
    address
  }
  shares {
    permission
    group {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<ResourcesQuery, ResourcesQueryVariables>;
export const UserAccessDocument = new TypedDocumentString(`
    query UserAccess($userId: ID!) {
  node(id: $userId) {
    __typename
    ... on User {
      access {
        permission
        resource {
          id
          kind
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<UserAccessQuery, UserAccessQueryVariables>;
export const CompleteLogInDocument = new TypedDocumentString(`
    mutation CompleteLogIn($input: CompleteLogInInput!) {
  completeLogIn(input: $input) {
    __typename
    ... on LogInSuccess {
      token
      viewer {
        scopes
        secondFactorMissing
        user {
          ...UserFields
        }
      }
    }
    ... on RateLimitedError {
      retryAfter
      retryAfterSeconds
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<CompleteLogInMutation, CompleteLogInMutationVariables>;
export const EnrollSecondFactorDocument = new TypedDocumentString(`
    mutation EnrollSecondFactor($input: EnrollSecondFactorInput!) {
  enrollSecondFactor(input: $input) {
    __typename
    ... on EnrollSecondFactorSuccess {
      secret
      otpauthUri
    }
    ... on RateLimitedError {
      retryAfter
      retryAfterSeconds
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<EnrollSecondFactorMutation, EnrollSecondFactorMutationVariables>;
export const ConfirmSecondFactorDocument = new TypedDocumentString(`
    mutation ConfirmSecondFactor($input: ConfirmSecondFactorInput!) {
  confirmSecondFactor(input: $input) {
    __typename
    ... on ConfirmSecondFactorSuccess {
      recoveryCodes
    }
    ... on RateLimitedError {
      retryAfter
      retryAfterSeconds
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<ConfirmSecondFactorMutation, ConfirmSecondFactorMutationVariables>;
export const DisableSecondFactorDocument = new TypedDocumentString(`
    mutation DisableSecondFactor($input: DisableSecondFactorInput!) {
  disableSecondFactor(input: $input) {
    __typename
    ... on DisableSecondFactorSuccess {
      user {
        ...UserFields
        secondFactor
      }
    }
    ... on RateLimitedError {
      retryAfter
      retryAfterSeconds
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<DisableSecondFactorMutation, DisableSecondFactorMutationVariables>;
export const SetSecondFactorPolicyDocument = new TypedDocumentString(`
    mutation SetSecondFactorPolicy($input: SetSecondFactorPolicyInput!) {
  setSecondFactorPolicy(input: $input) {
    __typename
    ... on SetSecondFactorPolicySuccess {
      masterAccount {
        id
        secondFactorPolicy
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<SetSecondFactorPolicyMutation, SetSecondFactorPolicyMutationVariables>;
export const CreateUserDocument = new TypedDocumentString(`
    mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    __typename
    ... on CreateUserSuccess {
      user {
        ...UserFields
      }
      ledgerEntry {
        ...LedgerEntryFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<CreateUserMutation, CreateUserMutationVariables>;
export const UpdateUserDocument = new TypedDocumentString(`
    mutation UpdateUser($input: UpdateUserInput!) {
  updateUser(input: $input) {
    __typename
    ... on UpdateUserSuccess {
      user {
        ...UserFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<UpdateUserMutation, UpdateUserMutationVariables>;
export const ChangePlanDocument = new TypedDocumentString(`
    mutation ChangePlan($input: ChangePlanInput!) {
  changePlan(input: $input) {
    __typename
    ... on ChangePlanSuccess {
      user {
        ...UserFields
      }
      ledgerEntry {
        ...LedgerEntryFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<ChangePlanMutation, ChangePlanMutationVariables>;
export const DeleteUserDocument = new TypedDocumentString(`
    mutation DeleteUser($input: DeleteUserInput!) {
  deleteUser(input: $input) {
    __typename
    ... on DeleteUserSuccess {
      deletedUserId
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<DeleteUserMutation, DeleteUserMutationVariables>;
export const AddAliasDocument = new TypedDocumentString(`
    mutation AddAlias($input: AddAliasInput!) {
  addAlias(input: $input) {
    __typename
    ... on AddAliasSuccess {
      alias {
        id
        address
        createdAt
        user {
          id
        }
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<AddAliasMutation, AddAliasMutationVariables>;
export const RemoveAliasDocument = new TypedDocumentString(`
    mutation RemoveAlias($input: RemoveAliasInput!) {
  removeAlias(input: $input) {
    __typename
    ... on RemoveAliasSuccess {
      removedAliasId
      user {
        ...UserFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<RemoveAliasMutation, RemoveAliasMutationVariables>;
export const UsersDocument = new TypedDocumentString(`
    query Users($first: Int, $after: String, $filter: UserFilter, $orderBy: UserOrder) {
  viewer {
    masterAccount {
      users(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...UserFields
          }
        }
      }
    }
  }
}
    fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`) as unknown as TypedDocumentString<UsersQuery, UsersQueryVariables>;
export const AuditLogDocument = new TypedDocumentString(`
    query AuditLog($first: Int, $after: String) {
  viewer {
    masterAccount {
      auditLog(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...AuditEventFields
          }
        }
      }
    }
  }
}
    fragment AuditEventFields on AuditEvent {
  id
  action
  targetId
  createdAt
  details
  actor {
    id
    address
  }
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`) as unknown as TypedDocumentString<AuditLogQuery, AuditLogQueryVariables>;
export const UserSessionsDocument = new TypedDocumentString(`
    query UserSessions($userId: ID!, $first: Int, $after: String) {
  node(id: $userId) {
    __typename
    ... on User {
      sessions(first: $first, after: $after) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            ...SessionFields
          }
        }
      }
    }
  }
}
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
fragment SessionFields on Session {
  id
  createdAt
  lastUsedAt
  expiresAt
  client
  ipAddress
  current
}`) as unknown as TypedDocumentString<UserSessionsQuery, UserSessionsQueryVariables>;
export const RevokeSessionsDocument = new TypedDocumentString(`
    mutation RevokeSessions($input: RevokeSessionsInput!) {
  revokeSessions(input: $input) {
    __typename
    ... on RevokeSessionsSuccess {
      revokedCount
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<RevokeSessionsMutation, RevokeSessionsMutationVariables>;
export const TransferOwnershipDocument = new TypedDocumentString(`
    mutation TransferOwnership($input: TransferOwnershipInput!) {
  transferOwnership(input: $input) {
    __typename
    ... on TransferOwnershipSuccess {
      masterAccount {
        id
        name
      }
      previousOwner {
        ...UserFields
      }
      newOwner {
        ...UserFields
      }
      ledgerEntry {
        ...LedgerEntryFields
      }
    }
    ...ErrorFields
  }
}
    fragment MoneyFields on Money {
  amount
  minorUnits
  currency
}
fragment UserFields on User {
  id
  address
  displayName
  kind
  plan
  pendingPlan
  status
  suspendedAt
  suspensionReason
  role
  paidThrough
  createdAt
  aliasLimit
  storageQuotaBytes
  listMembers
  aliases {
    id
    address
    createdAt
  }
}
fragment LedgerEntryFields on LedgerEntry {
  id
  kind
  amount {
    ...MoneyFields
  }
  balanceAfter {
    ...MoneyFields
  }
  description
  plan
  periodStart
  periodEnd
  createdAt
  user {
    id
    address
  }
}
fragment ErrorFields on Error {
  __typename
  code
  message
  ... on ValidationError {
    field
  }
  ... on InsufficientFundsError {
    required {
      ...MoneyFields
    }
    available {
      ...MoneyFields
    }
  }
  ... on AliasLimitReachedError {
    limit
  }
  ... on DomainInUseError {
    addressCount
  }
}`) as unknown as TypedDocumentString<TransferOwnershipMutation, TransferOwnershipMutationVariables>;