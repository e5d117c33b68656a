import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { and, count, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { keysetPage, type PageArgs } from '../db/pagination.js';
import { addresses, domains, type RecordCheck } from '../db/tables.js';
import { recordAudit } from './audit.js';
import { DnsUnavailableError, type DnsLookup } from './dns.js';
import { DomainInUseError, DomainTakenError, NotFoundError, ValidationError, VerificationFailedError } from './errors.js';
import { assertAdmin, type Viewer } from './viewer.js';
import { literally } from '../db/prepared.js';

export type DomainRow = typeof domains.$inferSelect;

/** An unverified claim this old no longer keeps other master accounts from adding the domain. */
export const STALE_CLAIM_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Validates a host name and returns its stored form: lowercased ASCII (punycode for IDNs). */
export function parseDomainName(field: string, raw: string, mailDomain: string): string {
  const ascii = domainToASCII(raw.trim().replace(/\.$/, '')).toLowerCase();
  const labels = ascii.split('.');
  if (!ascii || ascii.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new ValidationError(field, 'must be a domain name such as "example.org"');
  }
  if (/^\d+$/.test(labels.at(-1) ?? '')) throw new ValidationError(field, 'must be a domain name, not an IP address');
  if (ascii === mailDomain || ascii.endsWith(`.${mailDomain}`)) {
    throw new ValidationError(field, `the provider's own domain ${mailDomain} is open to everyone already`);
  }
  return ascii;
}

export interface DnsRecordSpec {
  type: 'TXT' | 'MX' | 'CNAME';
  /** What the record is for, as the API names it: MX, SPF, DKIM or DMARC. */
  purpose: 'VERIFICATION' | 'MX' | 'SPF' | 'DKIM' | 'DMARC';
  name: string;
  value: string;
  /** Whether the answers DNS gave for (type, name) satisfy this record. */
  matches(answers: string[]): boolean;
}

export function verificationRecord(domain: Pick<DomainRow, 'name' | 'verificationToken'>): DnsRecordSpec {
  const value = `mailadmin-verification=${domain.verificationToken}`;
  return {
    type: 'TXT',
    purpose: 'VERIFICATION',
    name: `_mailadmin-challenge.${domain.name}`,
    value,
    matches: (answers) => answers.includes(value),
  };
}

/** The records mail to and from the domain needs, with the values to publish. */
export function requiredRecords(name: string, mailDomain: string): DnsRecordSpec[] {
  const mx = `mx.${mailDomain}`;
  const spfInclude = `include:_spf.${mailDomain}`;
  const dkimTarget = `mailadmin._domainkey.${mailDomain}`;
  return [
    { type: 'MX', purpose: 'MX', name, value: `10 ${mx}.`, matches: (answers) => answers.includes(mx) },
    {
      type: 'TXT',
      purpose: 'SPF',
      name,
      value: `v=spf1 ${spfInclude} ~all`,
      matches: (answers) => answers.some((txt) => txt.startsWith('v=spf1 ') && txt.split(/\s+/).includes(spfInclude)),
    },
    {
      type: 'CNAME',
      purpose: 'DKIM',
      name: `mailadmin._domainkey.${name}`,
      value: `${dkimTarget}.`,
      matches: (answers) => answers.includes(dkimTarget),
    },
    {
      type: 'TXT',
      purpose: 'DMARC',
      name: `_dmarc.${name}`,
      value: `v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@${mailDomain}`,
      matches: (answers) => answers.some((txt) => /^v=DMARC1;/i.test(txt)),
    },
  ];
}

async function lookUp(dns: DnsLookup, record: DnsRecordSpec): Promise<string[]> {
  if (record.type === 'MX') return dns.mx(record.name);
  if (record.type === 'CNAME') return dns.cname(record.name);
  return dns.txt(record.name);
}

export async function addDomain(db: Db, viewer: Viewer, rawName: string, mailDomain: string, now: Date): Promise<DomainRow> {
  assertAdmin(viewer, 'add domains');
  const name = parseDomainName('name', rawName, mailDomain);
  return db.transaction(async (tx) => {
    // Someone else's claim that was never verified stops blocking after a week, so a typo or a
    // squatter cannot hold a domain from its real owner.
    await tx
      .delete(domains)
      .where(
        and(
          eq(domains.name, name),
          literally(eq(domains.status, 'PENDING')),
          ne(domains.masterAccountId, viewer.masterAccountId),
          lt(domains.createdAt, new Date(now.getTime() - STALE_CLAIM_DAYS * DAY_MS)),
        ),
      );
    const [row] = await tx
      .insert(domains)
      .values({ masterAccountId: viewer.masterAccountId, name, verificationToken: randomBytes(16).toString('hex') })
      .onConflictDoNothing({ target: domains.name })
      .returning();
    if (!row) {
      const [existing] = await tx.select().from(domains).where(eq(domains.name, name));
      if (existing?.masterAccountId === viewer.masterAccountId) {
        throw new ValidationError('name', `${name} is already a domain of your master account`);
      }
      throw new DomainTakenError(name);
    }
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'domain.add',
      target: { type: 'Domain', id: row.id },
      details: { name },
    });
    return row;
  });
}

/**
 * Looks up the ownership record and the mail records through DNS. Verification needs the ownership
 * record; the mail records are checked and reported each time, found or not.
 */
export async function verifyDomain(
  db: Db,
  dns: DnsLookup,
  viewer: Viewer,
  domainId: string,
  mailDomain: string,
  now: Date,
): Promise<DomainRow> {
  assertAdmin(viewer, 'verify domains');
  const [domain] = await db
    .select()
    .from(domains)
    .where(and(eq(domains.id, domainId), eq(domains.masterAccountId, viewer.masterAccountId)));
  if (!domain) throw new NotFoundError('domainId', 'domain');

  // DNS is asked outside any transaction: a slow resolver must not hold locks.
  const ownership = verificationRecord(domain);
  const records = requiredRecords(domain.name, mailDomain);
  let answers: string[][];
  try {
    answers = await Promise.all([ownership, ...records].map((record) => lookUp(dns, record)));
  } catch (error) {
    if (error instanceof DnsUnavailableError) {
      throw new VerificationFailedError(`DNS could not be asked about ${domain.name} (${error.message}); try again later.`);
    }
    throw error;
  }
  const [ownershipAnswers = [], ...recordAnswers] = answers;
  const owned = domain.status === 'VERIFIED' || ownership.matches(ownershipAnswers);
  if (!owned) {
    throw new VerificationFailedError(
      `No TXT record "${ownership.value}" was found at ${ownership.name}; publish it, allow time for DNS to spread, and try again.`,
    );
  }
  const checkedAt = now.toISOString();
  const recordChecks: RecordCheck[] = records.map((record, i) => ({
    type: record.purpose,
    name: record.name,
    found: record.matches(recordAnswers[i] ?? []),
    checkedAt,
  }));

  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(domains)
      .set({ status: 'VERIFIED', verifiedAt: sql`coalesce(${domains.verifiedAt}, ${checkedAt}::timestamptz)`, recordChecks })
      .where(and(eq(domains.id, domain.id), eq(domains.masterAccountId, viewer.masterAccountId)))
      .returning();
    if (!updated) throw new NotFoundError('domainId', 'domain');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: domain.status === 'VERIFIED' ? 'domain.check' : 'domain.verify',
      target: { type: 'Domain', id: domain.id },
      details: { name: domain.name, records: Object.fromEntries(recordChecks.map((check) => [check.type, check.found])) },
    });
    return updated;
  });
}

export async function removeDomain(db: Db, viewer: Viewer, domainId: string): Promise<DomainRow> {
  assertAdmin(viewer, 'remove domains');
  return db.transaction(async (tx) => {
    // The row lock orders this against createUser/addAlias, which hold the domain FOR SHARE.
    const [domain] = await tx
      .select()
      .from(domains)
      .where(and(eq(domains.id, domainId), eq(domains.masterAccountId, viewer.masterAccountId)))
      .for('update');
    if (!domain) throw new NotFoundError('domainId', 'domain');
    const [inUse] = await tx
      .select({ n: count() })
      .from(addresses)
      .where(and(eq(addresses.domain, domain.name), isNull(addresses.releasedAt)));
    if (inUse && inUse.n > 0) throw new DomainInUseError(domain.name, inUse.n);
    await tx.delete(domains).where(eq(domains.id, domain.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'domain.remove',
      target: { type: 'Domain', id: domain.id },
      details: { name: domain.name },
    });
    return domain;
  });
}

export function listDomains(db: Db, masterAccountId: string, args: PageArgs) {
  const base = eq(domains.masterAccountId, masterAccountId);
  return keysetPage<DomainRow>({
    args,
    keys: [
      { column: domains.name, cast: 'text' },
      { column: domains.id, cast: 'uuid' },
    ],
    descending: false,
    cursorOf: (row) => [row.name, row.id],
    fetch: (after, orderBy, limit) =>
      db
        .select()
        .from(domains)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    count: async () => {
      const [row] = await db.select({ n: count() }).from(domains).where(base);
      return row?.n ?? 0;
    },
  });
}
