import { domainToASCII } from 'node:url';
import { and, eq, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { addresses, domains } from '../db/tables.js';
import { auditOfInserted, auditParameters, type InsertedAudit } from './audit.js';
import { AddressReservedError, AddressTakenError, DomainNotVerifiedError, ValidationError } from './errors.js';

/** Local parts that deliver to the domain's administrator (RFC 2142) and can never be assigned. */
export const RESERVED_LOCAL_PARTS: ReadonlySet<string> = new Set(['abuse', 'postmaster', 'hostmaster', 'webmaster']);
/** How long a released address stays unassignable, so a departed person's mail reaches no stranger. */
export const ADDRESS_HOLD_DAYS = 30;

/**
 * `+` is the sub-address separator (RFC 5233): mail to `ada+news@` reaches `ada@`. So an address
 * the provider delivers (a primary address, an alias, a mailing list) never contains it, or
 * `ada+news@` could be taken by another tenant and catch mail meant for ada; an outside address
 * (a list member) may.
 */
const SUB_ADDRESS_SEPARATOR = '+';
const LOCAL_PART = /^[a-z0-9._-]{1,64}$/;
const OUTSIDE_LOCAL_PART = /^[a-z0-9._+-]{1,64}$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export interface ParsedAddress {
  local: string;
  domain: string;
  /** `local@domain`, lowercased: the form stored and compared. */
  address: string;
}

/** An address of ours: a primary address, an alias or a mailing list's address; never with `+`. */
export function parseAddress(field: string, raw: string): ParsedAddress {
  return parse(field, raw, false);
}

/** An address elsewhere, such as a mailing list's member: it may carry a sub-address (`+`). */
export function parseOutsideAddress(field: string, raw: string): ParsedAddress {
  return parse(field, raw, true);
}

function parse(field: string, raw: string, outside: boolean): ParsedAddress {
  const value = raw.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) {
    throw new ValidationError(field, 'must be an address of the form name@domain');
  }
  const local = value.slice(0, at);
  // Internationalized domains are compared and stored in their ASCII (punycode) form, as domains are.
  const domain = domainToASCII(value.slice(at + 1)) || value.slice(at + 1);
  if (!outside && local.includes(SUB_ADDRESS_SEPARATOR)) {
    throw new ValidationError(
      field,
      'must not contain "+": it is the sub-address separator (mail to name+tag@domain reaches name@domain), so it cannot start an address of its own',
    );
  }
  if (!(outside ? OUTSIDE_LOCAL_PART : LOCAL_PART).test(local)) {
    throw new ValidationError(
      field,
      `the part before @ must have 1-64 letters, digits, dots, underscores${outside ? ', hyphens or plus signs' : ' or hyphens'}`,
    );
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new ValidationError(field, 'the part before @ must not start or end with a dot or contain two dots in a row');
  }
  const labels = domain.split('.');
  if (domain.length > 253 || labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    throw new ValidationError(field, 'the part after @ must be a valid domain name');
  }
  return { local, domain, address: `${local}@${domain}` };
}

/**
 * Checks that `parsed` may be assigned by this master account: its domain is the provider's own or
 * a verified domain of the account, and the local part is not reserved. Call it inside the
 * transaction that claims the address: the domain row stays locked (FOR SHARE) until it ends, so
 * the domain cannot be removed in between. Whether the address is free is decided in `claimAddress`.
 */
export async function assertAssignable(
  tx: Db,
  masterAccountId: string | null,
  parsed: ParsedAddress,
  mailDomain: string,
): Promise<void> {
  if (parsed.domain !== mailDomain && !(masterAccountId && (await holdsVerifiedDomain(tx, masterAccountId, parsed.domain)))) {
    throw new DomainNotVerifiedError(parsed.domain);
  }
  if (isReservedLocalPart(parsed.local)) throw new AddressReservedError(parsed.address);
}

/**
 * Whether a local part delivers to the domain's administrator, compared as a mail system compares
 * it: in any case (parseAddress lowercases) and without its sub-address, so `postmaster+x` is
 * `postmaster` (refused anyway for its `+`). Dots are kept: `post.master` is another mailbox.
 */
export function isReservedLocalPart(local: string): boolean {
  const separator = local.indexOf(SUB_ADDRESS_SEPARATOR);
  return RESERVED_LOCAL_PARTS.has(separator < 0 ? local : local.slice(0, separator));
}

/**
 * Whether `domain` is a verified domain of the master account. The domain's row stays locked
 * (FOR SHARE) until the caller's transaction ends, so it cannot be removed in between.
 */
export async function holdsVerifiedDomain(tx: Db, masterAccountId: string, domain: string): Promise<boolean> {
  const [verified] = await tx
    .select({ id: domains.id })
    .from(domains)
    .where(and(eq(domains.name, domain), eq(domains.masterAccountId, masterAccountId), literally(eq(domains.status, 'VERIFIED'))))
    .for('share')
    // Sent now, not a promise job later as an awaited query would be: inOrder relies on it.
    .execute();
  return verified !== undefined;
}

/** The claim of an address with placeholders, built once (see preparedStatement). */
function insertClaim(db: Db) {
  return db
    .insert(addresses)
    .values({
      address: sql.placeholder('address'),
      masterAccountId: sql.placeholder('masterAccountId'),
      userId: sql.placeholder('userId'),
      kind: sql.placeholder('kind'),
    })
    .onConflictDoNothing({ target: addresses.address })
    .returning({ id: addresses.id, createdAt: addresses.createdAt });
}

const claimPlain = preparedStatement((db) => insertClaim(db).prepare('mailadmin_claim_address'));

const claimAudited = preparedStatement((db) => {
  const inserted = db.$with('claimed').as(insertClaim(db));
  return db
    .with(inserted, auditOfInserted(db, inserted, inserted.id))
    .select({ id: inserted.id, createdAt: inserted.createdAt })
    .from(inserted)
    .prepare('mailadmin_claim_address_audited');
});

interface Claim {
  address: string;
  masterAccountId: string;
  userId: string;
  kind: 'PRIMARY' | 'ALIAS';
  now: Date;
}

/** The claim's one statement: the address's row, or none when the address is taken. */
function insertAddress(tx: Db, claim: Claim, audit: InsertedAudit | undefined) {
  const values = { address: claim.address, masterAccountId: claim.masterAccountId, userId: claim.userId, kind: claim.kind };
  // One round trip for both rows; a taken address claims no row and so writes no event.
  return audit
    ? claimAudited(tx).execute({ ...values, ...auditParameters({ ...audit, masterAccountId: claim.masterAccountId }) })
    : claimPlain(tx).execute(values);
}

const endedHold = preparedStatement((db) =>
  db
    .delete(addresses)
    .where(
      and(
        eq(addresses.address, sql.placeholder('address')),
        isNotNull(addresses.releasedAt),
        lte(addresses.releasedAt, sql`${sql.placeholder('holdEnds')}::timestamptz`),
      ),
    )
    .returning({ id: addresses.id })
    .prepare('mailadmin_clear_ended_hold'),
);

/** Deletes the row of `address` if it is a hold that has ended, so the address can be taken again. */
export function clearEndedHold(tx: Db, address: string, now: Date): Promise<{ id: string }[]> {
  const holdEnds = new Date(now.getTime() - ADDRESS_HOLD_DAYS * 24 * 60 * 60 * 1000);
  return endedHold(tx).execute({ address, holdEnds: holdEnds.toISOString() });
}

/**
 * Takes `address` for a user inside the caller's transaction. The unique key on `addresses.address`
 * decides races: of two concurrent claims exactly one inserts, the other sees the conflict.
 */
export async function claimAddress(
  tx: Db,
  claim: Claim,
  /** The audit event of the claim, written by the same statement with the address's id as its target. */
  audit?: InsertedAudit,
): Promise<{ id: string; createdAt: Date }> {
  // Most addresses asked for are free: one statement. A taken one may be a hold that has ended,
  // which is cleared before the second try.
  const [row] = await insertAddress(tx, claim, audit);
  if (row) return row;
  const cleared = await clearEndedHold(tx, claim.address, claim.now);
  const [retried] = cleared.length > 0 ? await insertAddress(tx, claim, audit) : [];
  if (!retried) throw new AddressTakenError(claim.address);
  return retried;
}

/** Starts the hold on every address of a user who is being deleted. */
export async function releaseUserAddresses(tx: Db, userId: string, now: Date): Promise<void> {
  await tx
    .update(addresses)
    .set({ releasedAt: now })
    .where(and(eq(addresses.userId, userId), sql`${addresses.releasedAt} is null`));
}
