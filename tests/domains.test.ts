import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { domains } from '../server/db/tables.js';
import { startDnsServer } from './dns-server.js';
import { decodeId, items, PASSWORD, startApp, text, unique, type Loose, type Tenant, type TestApp } from './harness.js';

const dns = await startDnsServer();
afterAll(async () => {
  await dns.close();
});
const app = await startApp({ dnsServers: [dns.address] });
// Nothing listens on the discard port of loopback: every DNS question to it goes unanswered.
const deadDnsApp = await startApp({ dnsServers: ['127.0.0.1:9'] });

const DAY_MS = 24 * 60 * 60 * 1000;
const PROVIDER = 'mailadmin.test';

const RECORD = 'type name value found checkedAt';
const DOMAIN = `id name status createdAt verifiedAt verificationRecord { ${RECORD} } requiredRecords { ${RECORD} }`;
const ERROR = `__typename ... on Error { code message } ... on ValidationError { field } ... on NotFoundError { field }`;

const ADD_DOMAIN = `mutation ($input: AddDomainInput!) { addDomain(input: $input) {
  ${ERROR} ... on AddDomainSuccess { domain { ${DOMAIN} } } ... on DomainTakenError { takenDomain: domain }
} }`;
const VERIFY_DOMAIN = `mutation ($input: VerifyDomainInput!) { verifyDomain(input: $input) {
  ${ERROR} ... on VerifyDomainSuccess { domain { ${DOMAIN} } }
} }`;
const REMOVE_DOMAIN = `mutation ($input: RemoveDomainInput!) { removeDomain(input: $input) {
  ${ERROR} ... on RemoveDomainSuccess { removedDomainId } ... on DomainInUseError { domain addressCount }
} }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  ${ERROR} ... on CreateUserSuccess { user { id address } }
  ... on DomainNotVerifiedError { domain } ... on AddressReservedError { address } ... on AddressTakenError { address }
} }`;
const ADD_ALIAS = `mutation ($input: AddAliasInput!) { addAlias(input: $input) {
  ${ERROR} ... on AddAliasSuccess { alias { id address } }
  ... on DomainNotVerifiedError { domain } ... on AddressReservedError { address } ... on AddressTakenError { address }
} }`;
const REMOVE_ALIAS = `mutation ($input: RemoveAliasInput!) { removeAlias(input: $input) { ${ERROR} ... on RemoveAliasSuccess { removedAliasId } } }`;
const DELETE_USER = `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { ${ERROR} } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on Domain { ${DOMAIN} } } }`;
const ACCOUNT = `query ($first: Int) { viewer { masterAccount {
  domains(first: $first) { totalCount pageInfo { hasNextPage } edges { node { id name status } } }
  users(first: 100) { totalCount edges { node { id address aliases { address } } } }
  auditLog(first: 100) { totalCount edges { node { action targetId details } } }
} } }`;

/** A fresh domain name no other test, file or run uses: lowercase, digits and hyphens. */
function domainName(): string {
  return `${unique('d')}.example`.toLowerCase();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The loopback DNS server answers with a TTL of one second; a resolver may cache that long. */
const DNS_TTL_MS = 1_100;

async function addDomain(tenant: Tenant, name: string, on: TestApp = app): Promise<Loose> {
  const result = await on.gql(ADD_DOMAIN, { input: { name } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.addDomain;
}

async function addedDomain(tenant: Tenant, name: string, on: TestApp = app): Promise<Loose> {
  const payload = await addDomain(tenant, name, on);
  expect(payload.__typename, JSON.stringify(payload)).toBe('AddDomainSuccess');
  return payload.domain;
}

async function verify(tenant: Tenant, domainId: string, on: TestApp = app): Promise<Loose> {
  const result = await on.gql(VERIFY_DOMAIN, { input: { domainId } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.verifyDomain;
}

async function removeDomain(tenant: Tenant, domainId: string): Promise<Loose> {
  const result = await app.gql(REMOVE_DOMAIN, { input: { domainId } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.removeDomain;
}

/** Adds a domain, publishes its verification record and verifies it. */
async function verifiedDomain(tenant: Tenant): Promise<{ id: string; name: string; domain: Loose }> {
  const domain = await addedDomain(tenant, domainName());
  dns.publish('TXT', text(domain.verificationRecord.name), text(domain.verificationRecord.value));
  const payload = await verify(tenant, text(domain.id));
  expect(payload.__typename, JSON.stringify(payload)).toBe('VerifyDomainSuccess');
  return { id: text(domain.id), name: text(domain.name), domain: payload.domain };
}

async function createUser(tenant: Tenant, address: string): Promise<Loose> {
  const result = await app.gql(
    CREATE_USER,
    { input: { address, displayName: 'Someone', password: PASSWORD, plan: 'ENTRY' } },
    tenant.token,
  );
  expect(result.errors).toBeUndefined();
  return result.data.createUser;
}

async function addAlias(tenant: Tenant, userId: string, address: string): Promise<Loose> {
  const result = await app.gql(ADD_ALIAS, { input: { userId, address } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.addAlias;
}

async function account(tenant: Tenant, on: TestApp = app, first = 100): Promise<Loose> {
  const result = await on.gql(ACCOUNT, { first }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount;
}

async function node(tenant: Tenant, id: string, on: TestApp = app): Promise<Loose> {
  const result = await on.gql(NODE, { id }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.node;
}

function auditActions(masterAccount: Loose): { action: string; targetId: string | null; details: Loose }[] {
  return items(masterAccount.auditLog.edges).map((edge) => ({
    action: text(edge.node.action),
    targetId: edge.node.targetId === null ? null : text(edge.node.targetId),
    details: edge.node.details,
  }));
}

/** What a tenant can see of its domains, users, aliases and audit log: compared before and after failures. */
async function snapshot(tenant: Tenant, on: TestApp = app): Promise<{ domains: Loose; users: Loose; audit: Loose }> {
  const masterAccount = await account(tenant, on);
  return { domains: masterAccount.domains, users: masterAccount.users, audit: masterAccount.auditLog.totalCount };
}

async function domainRow(domainId: string, on: TestApp = app) {
  const [row] = await on.database.db.select().from(domains).where(eq(domains.id, decodeId(domainId)));
  return row;
}

describe('addDomain', () => {
  it('adds a PENDING domain, lowercased and without its trailing dot, with the records to publish', async () => {
    const tenant = await app.signUp();
    const name = domainName();
    const before = Date.now();
    const domain = await addedDomain(tenant, `${name.toUpperCase()}.`);

    expect(domain.name).toBe(name);
    expect(domain.status).toBe('PENDING');
    expect(domain.verifiedAt).toBeNull();
    expect(new Date(text(domain.createdAt)).getTime()).toBeGreaterThanOrEqual(before - 1_000);

    expect(domain.verificationRecord).toMatchObject({ type: 'TXT', name: `_mailadmin-challenge.${name}`, found: null, checkedAt: null });
    expect(text(domain.verificationRecord.value)).toMatch(/^mailadmin-verification=[0-9a-f]{32}$/);

    const records = items(domain.requiredRecords);
    expect(records.map((record) => record.type)).toEqual(['MX', 'TXT', 'CNAME', 'TXT']);
    expect(records[0]).toEqual({ type: 'MX', name, value: `10 mx.${PROVIDER}.`, found: null, checkedAt: null });
    expect(records[1]).toEqual({ type: 'TXT', name, value: `v=spf1 include:_spf.${PROVIDER} ~all`, found: null, checkedAt: null });
    expect(records[2]).toMatchObject({ type: 'CNAME', found: null, checkedAt: null });
    expect(text(records[2].name)).toMatch(new RegExp(`^[a-z0-9-]+\\._domainkey\\.${name.replace(/\./g, '\\.')}$`));
    expect(text(records[2].value)).toMatch(new RegExp(`\\.${PROVIDER.replace(/\./g, '\\.')}\\.?$`));
    expect(records[3]).toMatchObject({ type: 'TXT', name: `_dmarc.${name}`, found: null, checkedAt: null });
    expect(text(records[3].value)).toMatch(/^v=DMARC1;/);

    // Every domain gets its own random token.
    const other = await addedDomain(tenant, domainName());
    expect(other.verificationRecord.value).not.toBe(domain.verificationRecord.value);

    const audit = auditActions(await account(tenant)).filter((event) => event.action === 'domain.add');
    expect(audit.map((event) => event.targetId).sort()).toEqual([text(domain.id), text(other.id)].sort());
    expect(audit.find((event) => event.targetId === text(domain.id))?.details).toMatchObject({ name });
  });

  it('stores an internationalized name in its ASCII (punycode) form', async () => {
    const tenant = await app.signUp();
    const label = unique('b').toLowerCase();
    const domain = await addedDomain(tenant, `Bücher-${label}.example`);
    const name = text(domain.name);
    expect(name).toMatch(new RegExp(`^xn--bcher-${label}-[a-z0-9]+\\.example$`));
    expect(domain.verificationRecord.name).toBe(`_mailadmin-challenge.${name}`);
    const [row] = await app.database.db.select().from(domains).where(eq(domains.name, name));
    expect(row?.masterAccountId).toBe(decodeId(tenant.masterAccountId));

    // The Unicode spelling and the ASCII spelling are one domain.
    const again = await addDomain(tenant, `bücher-${label}.EXAMPLE`);
    expect(again).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'name' });
    const stranger = await app.signUp();
    expect(await addDomain(stranger, name.toUpperCase())).toMatchObject({ __typename: 'DomainTakenError', code: 'DOMAIN_TAKEN', takenDomain: name });
  });

  it('refuses names that are not domains, and the provider domain', async () => {
    const tenant = await app.signUp();
    const before = await snapshot(tenant);
    const invalid = [
      'not a domain',
      'localhost',
      '1.2.3.4',
      `${'a'.repeat(64)}.example`,
      PROVIDER,
      `x.${PROVIDER}`,
      `X.${PROVIDER.toUpperCase()}.`,
      '',
      '-leading.example',
      'under_score.example',
    ];
    for (const name of invalid) {
      const payload = await addDomain(tenant, name);
      expect(payload, name).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'name' });
    }
    // A 63-character label is still fine.
    const longest = unique('l').toLowerCase().padStart(63, 'a');
    expect(longest).toHaveLength(63);
    expect(await snapshot(tenant)).toEqual(before);
    expect((await addedDomain(tenant, `${longest}.example`)).name).toBe(`${longest}.example`);
  });

  it('refuses the same domain twice in one tenant (ValidationError) and in another (DOMAIN_TAKEN)', async () => {
    const owner = await app.signUp();
    const stranger = await app.signUp();
    const name = domainName();
    const domain = await addedDomain(owner, name);
    const ownerBefore = await snapshot(owner);
    const strangerBefore = await snapshot(stranger);

    expect(await addDomain(owner, name)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'name' });
    expect(await addDomain(owner, `${name.toUpperCase()}.`)).toMatchObject({ __typename: 'ValidationError', field: 'name' });
    for (const spelling of [name, name.toUpperCase(), `${name}.`]) {
      expect(await addDomain(stranger, spelling)).toMatchObject({ __typename: 'DomainTakenError', code: 'DOMAIN_TAKEN', takenDomain: name });
    }
    expect(await snapshot(owner)).toEqual(ownerBefore);
    expect(await snapshot(stranger)).toEqual(strangerBefore);

    // Once verified it is still the owner's.
    dns.publish('TXT', text(domain.verificationRecord.name), text(domain.verificationRecord.value));
    expect((await verify(owner, text(domain.id))).__typename).toBe('VerifyDomainSuccess');
    expect(await addDomain(stranger, name)).toMatchObject({ __typename: 'DomainTakenError', code: 'DOMAIN_TAKEN' });
    expect((await account(stranger)).domains.totalCount).toBe(0);
  });

  it('lets another tenant take a PENDING claim older than 7 days, but not a fresher or a verified one', async () => {
    const squatter = await app.signUp();
    const owner = await app.signUp();
    const name = domainName();
    const claim = await addedDomain(squatter, name);
    const setAge = (days: number) =>
      app.database.db
        .update(domains)
        .set({ createdAt: new Date(Date.now() - days * DAY_MS) })
        .where(eq(domains.id, decodeId(text(claim.id))));

    await setAge(6);
    expect(await addDomain(owner, name)).toMatchObject({ __typename: 'DomainTakenError', code: 'DOMAIN_TAKEN' });

    await setAge(8);
    const taken = await addedDomain(owner, name.toUpperCase());
    expect(taken).toMatchObject({ name, status: 'PENDING' });
    expect(taken.verificationRecord.value).not.toBe(claim.verificationRecord.value);
    expect((await account(squatter)).domains.totalCount).toBe(0);
    expect(await node(squatter, text(claim.id))).toBeNull();
    const owned = await account(owner);
    expect(items(owned.domains.edges).map((edge) => edge.node.name)).toEqual([name]);
    // The old claimant now meets the new owner's claim.
    expect(await addDomain(squatter, name)).toMatchObject({ __typename: 'DomainTakenError' });

    // A verified domain never goes stale.
    const verified = await verifiedDomain(owner);
    await app.database.db
      .update(domains)
      .set({ createdAt: new Date(Date.now() - 30 * DAY_MS) })
      .where(eq(domains.id, decodeId(verified.id)));
    expect(await addDomain(squatter, verified.name)).toMatchObject({ __typename: 'DomainTakenError', code: 'DOMAIN_TAKEN' });
  });

  it('is for owners and administrators: a MEMBER gets ForbiddenError, an ADMIN may', async () => {
    const tenant = await app.signUp();
    const member = await app.createUser(tenant, { role: 'MEMBER' });
    const admin = await app.createUser(tenant, { role: 'ADMIN' });
    const memberTenant = { ...tenant, token: await app.logIn(member.address) };
    const adminTenant = { ...tenant, token: await app.logIn(admin.address) };
    const domain = await addedDomain(tenant, domainName());
    const before = await snapshot(tenant);

    expect(await addDomain(memberTenant, domainName())).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await verify(memberTenant, text(domain.id))).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await removeDomain(memberTenant, text(domain.id))).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await snapshot(tenant)).toEqual(before);

    const byAdmin = await addedDomain(adminTenant, domainName());
    expect(byAdmin.status).toBe('PENDING');
  });

  it('needs console access: a FREE owner gets UpgradeRequiredError', async () => {
    const tenant = await app.signUp({ plan: 'FREE' });
    const name = domainName();
    expect(await addDomain(tenant, name)).toMatchObject({ __typename: 'UpgradeRequiredError', code: 'UPGRADE_REQUIRED' });
    const rows = await app.database.db.select().from(domains).where(eq(domains.name, name));
    expect(rows).toEqual([]);
  });
});

describe('verifyDomain', () => {
  it('fails without the TXT record, then verifies once it is published', async () => {
    const tenant = await app.signUp();
    const domain = await addedDomain(tenant, domainName());
    const id = text(domain.id);
    const before = await snapshot(tenant);

    const missing = await verify(tenant, id);
    expect(missing).toMatchObject({ __typename: 'VerificationFailedError', code: 'VERIFICATION_FAILED' });
    // A TXT record with another token does not prove ownership either.
    dns.publish('TXT', text(domain.verificationRecord.name), 'mailadmin-verification=0123456789abcdef0123456789abcdef');
    expect(await verify(tenant, id)).toMatchObject({ __typename: 'VerificationFailedError', code: 'VERIFICATION_FAILED' });
    const pending = await node(tenant, id);
    expect(pending).toMatchObject({ status: 'PENDING', verifiedAt: null });
    expect(items(pending.requiredRecords).map((record) => [record.found, record.checkedAt])).toEqual([
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(await snapshot(tenant)).toEqual(before);

    dns.unpublish('TXT', text(domain.verificationRecord.name));
    dns.publish('TXT', text(domain.verificationRecord.name), text(domain.verificationRecord.value));
    const started = Date.now();
    const verified = await verify(tenant, id);
    expect(verified.__typename, JSON.stringify(verified)).toBe('VerifyDomainSuccess');
    expect(verified.domain.status).toBe('VERIFIED');
    const verifiedAt = new Date(text(verified.domain.verifiedAt)).getTime();
    expect(verifiedAt).toBeGreaterThanOrEqual(started - 1_000);
    expect(verifiedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(verified.domain.verificationRecord.found).toBe(true);
    const records = items(verified.domain.requiredRecords);
    expect(records.map((record) => record.found)).toEqual([false, false, false, false]);
    for (const record of records) expect(record.checkedAt).toEqual(expect.any(String));

    expect(await node(tenant, id)).toMatchObject({ status: 'VERIFIED', verifiedAt: verified.domain.verifiedAt });
    const audit = auditActions(await account(tenant));
    expect(audit.filter((event) => event.action === 'domain.verify').map((event) => event.targetId)).toEqual([id]);
  });

  it('re-checks MX, SPF, DKIM and DMARC each time and records found and checkedAt', async () => {
    const tenant = await app.signUp();
    const { id, name, domain } = await verifiedDomain(tenant);
    const first = items(domain.requiredRecords);
    expect(first.map((record) => record.found)).toEqual([false, false, false, false]);
    const firstChecked = new Date(text(first[0].checkedAt)).getTime();

    expect(first[0].value).toBe(`10 mx.${PROVIDER}.`);
    expect(first[1].value).toBe(`v=spf1 include:_spf.${PROVIDER} ~all`);
    for (const record of first) dns.publish(text(record.type) as 'TXT' | 'MX' | 'CNAME', text(record.name), text(record.value));
    // The SPF record shares its name with nothing else; a second, unrelated TXT record there must not confuse the check.
    dns.publish('TXT', name, 'google-site-verification=abc');
    await sleep(DNS_TTL_MS);

    const again = await verify(tenant, id);
    expect(again.__typename, JSON.stringify(again)).toBe('VerifyDomainSuccess');
    const second = items(again.domain.requiredRecords);
    expect(second.map((record) => record.found)).toEqual([true, true, true, true]);
    for (const record of second) expect(new Date(text(record.checkedAt)).getTime()).toBeGreaterThan(firstChecked);
    expect(again.domain.verifiedAt).toBe(domain.verifiedAt);
    expect(again.domain.status).toBe('VERIFIED');
    const secondChecked = new Date(text(second[0].checkedAt)).getTime();

    // Take the DKIM record away: only it turns false.
    dns.unpublish('CNAME', text(first[2].name));
    await sleep(DNS_TTL_MS);
    const third = items((await verify(tenant, id)).domain.requiredRecords);
    expect(third.map((record) => record.found)).toEqual([true, true, false, true]);
    for (const record of third) expect(new Date(text(record.checkedAt)).getTime()).toBeGreaterThan(secondChecked);

    // And the stored state is what a later read shows.
    const read = await node(tenant, id);
    expect(items(read.requiredRecords).map((record) => record.found)).toEqual([true, true, false, true]);
    expect(read.verifiedAt).toBe(domain.verifiedAt);
  });

  it('fails with VerificationFailedError and changes nothing when DNS does not answer', async () => {
    const tenant = await deadDnsApp.signUp();
    const domain = await addedDomain(tenant, domainName(), deadDnsApp);
    const id = text(domain.id);
    const before = await snapshot(tenant, deadDnsApp);
    const rowBefore = await domainRow(id, deadDnsApp);

    const failed = await verify(tenant, id, deadDnsApp);
    expect(failed).toMatchObject({ __typename: 'VerificationFailedError', code: 'VERIFICATION_FAILED' });
    expect(await snapshot(tenant, deadDnsApp)).toEqual(before);
    expect(await domainRow(id, deadDnsApp)).toEqual(rowBefore);
    expect(await node(tenant, id, deadDnsApp)).toMatchObject({ status: 'PENDING', verifiedAt: null });

    // A verified domain keeps its last checks when a re-check cannot reach DNS.
    const checkedAt = new Date(Date.now() - DAY_MS);
    await deadDnsApp.database.db
      .update(domains)
      .set({
        status: 'VERIFIED',
        verifiedAt: checkedAt,
        recordChecks: ['MX', 'SPF', 'DKIM', 'DMARC'].map((type) => ({ type, name: text(domain.name), found: true, checkedAt: checkedAt.toISOString() })),
      })
      .where(eq(domains.id, decodeId(id)));
    const verifiedRow = await domainRow(id, deadDnsApp);
    const verifiedBefore = await snapshot(tenant, deadDnsApp);
    expect(await verify(tenant, id, deadDnsApp)).toMatchObject({ __typename: 'VerificationFailedError', code: 'VERIFICATION_FAILED' });
    expect(await domainRow(id, deadDnsApp)).toEqual(verifiedRow);
    expect(await snapshot(tenant, deadDnsApp)).toEqual(verifiedBefore);
  });

  it("reads another tenant's domain as not found", async () => {
    const owner = await app.signUp();
    const stranger = await app.signUp();
    const domain = await addedDomain(owner, domainName());
    dns.publish('TXT', text(domain.verificationRecord.name), text(domain.verificationRecord.value));
    expect(await verify(stranger, text(domain.id))).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'domainId' });
    expect(await node(owner, text(domain.id))).toMatchObject({ status: 'PENDING' });
  });
});

describe('addresses on custom domains', () => {
  it('refuses users and aliases on a PENDING domain', async () => {
    const tenant = await app.signUp();
    const domain = await addedDomain(tenant, domainName());
    const name = text(domain.name);
    const before = await snapshot(tenant);

    expect(await createUser(tenant, `ada@${name}`)).toMatchObject({ __typename: 'DomainNotVerifiedError', code: 'DOMAIN_NOT_VERIFIED', domain: name });
    expect(await addAlias(tenant, tenant.ownerId, `ada@${name.toUpperCase()}`)).toMatchObject({
      __typename: 'DomainNotVerifiedError',
      code: 'DOMAIN_NOT_VERIFIED',
      domain: name,
    });
    // A domain nobody has added at all is not open either.
    const nobody = domainName();
    expect(await createUser(tenant, `ada@${nobody}`)).toMatchObject({ __typename: 'DomainNotVerifiedError', domain: nobody });
    expect(await snapshot(tenant)).toEqual(before);
  });

  it("refuses users and aliases on another tenant's VERIFIED domain", async () => {
    const owner = await app.signUp();
    const stranger = await app.signUp();
    const { name } = await verifiedDomain(owner);
    const before = await snapshot(stranger);

    expect(await createUser(stranger, `ada@${name}`)).toMatchObject({ __typename: 'DomainNotVerifiedError', code: 'DOMAIN_NOT_VERIFIED', domain: name });
    expect(await addAlias(stranger, stranger.ownerId, `ada@${name}`)).toMatchObject({
      __typename: 'DomainNotVerifiedError',
      code: 'DOMAIN_NOT_VERIFIED',
    });
    expect(await snapshot(stranger)).toEqual(before);
  });

  it('accepts users and aliases on your VERIFIED domain, lowercased', async () => {
    const tenant = await app.signUp();
    const { name } = await verifiedDomain(tenant);

    const created = await createUser(tenant, `Ada.Lovelace@${name.toUpperCase()}`);
    expect(created).toMatchObject({ __typename: 'CreateUserSuccess', user: { address: `ada.lovelace@${name}` } });
    const alias = await addAlias(tenant, text(created.user.id), `Countess@${name}`);
    expect(alias).toMatchObject({ __typename: 'AddAliasSuccess', alias: { address: `countess@${name}` } });
    // The provider's own domain stays open next to it.
    expect((await addAlias(tenant, text(created.user.id), `${unique('ada')}@${PROVIDER}`)).__typename).toBe('AddAliasSuccess');

    const users = items((await account(tenant)).users.edges).map((edge) => edge.node);
    const ada = users.find((user) => user.id === created.user.id);
    expect(ada).toBeDefined();
    if (!ada) return;
    expect(ada.address).toBe(`ada.lovelace@${name}`);
    expect(items(ada.aliases).map((entry) => entry.address)).toContain(`countess@${name}`);
  });

  it('refuses postmaster@, abuse@, hostmaster@ and webmaster@ on your verified domain', async () => {
    const tenant = await app.signUp();
    const { name } = await verifiedDomain(tenant);
    const before = await snapshot(tenant);
    for (const local of ['postmaster', 'abuse', 'hostmaster', 'webmaster', 'PostMaster']) {
      const address = `${local}@${name}`;
      expect(await createUser(tenant, address), address).toMatchObject({
        __typename: 'AddressReservedError',
        code: 'ADDRESS_RESERVED',
        address: address.toLowerCase(),
      });
      expect(await addAlias(tenant, tenant.ownerId, address), address).toMatchObject({
        __typename: 'AddressReservedError',
        code: 'ADDRESS_RESERVED',
        address: address.toLowerCase(),
      });
    }
    expect(await snapshot(tenant)).toEqual(before);
  });
});

describe('removeDomain', () => {
  it('is refused with DOMAIN_IN_USE while a user or an alias uses the domain, and works once none does', async () => {
    const tenant = await app.signUp();
    const { id, name } = await verifiedDomain(tenant);
    const created = await createUser(tenant, `grace@${name}`);
    expect(created.__typename).toBe('CreateUserSuccess');
    const alias = await addAlias(tenant, tenant.ownerId, `boss@${name}`);
    expect(alias.__typename).toBe('AddAliasSuccess');
    const before = await snapshot(tenant);

    expect(await removeDomain(tenant, id)).toMatchObject({ __typename: 'DomainInUseError', code: 'DOMAIN_IN_USE', domain: name, addressCount: 2 });
    const removedAlias = await app.gql(REMOVE_ALIAS, { input: { aliasId: text(alias.alias.id) } }, tenant.token);
    expect(removedAlias.data.removeAlias.__typename).toBe('RemoveAliasSuccess');
    expect(await removeDomain(tenant, id)).toMatchObject({ __typename: 'DomainInUseError', code: 'DOMAIN_IN_USE', addressCount: 1 });
    expect((await account(tenant)).domains).toEqual(before.domains);
    expect(await node(tenant, id)).toMatchObject({ status: 'VERIFIED', name });

    const deleted = await app.gql(DELETE_USER, { input: { userId: text(created.user.id) } }, tenant.token);
    expect(deleted.data.deleteUser.__typename).toBe('DeleteUserSuccess');
    expect(await removeDomain(tenant, id)).toEqual({ __typename: 'RemoveDomainSuccess', removedDomainId: id });

    const after = await account(tenant);
    expect(after.domains.totalCount).toBe(0);
    expect(await node(tenant, id)).toBeNull();
    expect(await domainRow(id)).toBeUndefined();
    const audit = auditActions(after);
    const removals = audit.filter((event) => event.action === 'domain.remove');
    expect(removals).toHaveLength(1);
    expect(removals[0]).toMatchObject({ targetId: id, details: { name } });
    // Removing it again: it is gone.
    expect(await removeDomain(tenant, id)).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'domainId' });
  });

  it("reads another tenant's domain as not found: removeDomain and node", async () => {
    const owner = await app.signUp();
    const stranger = await app.signUp();
    const pending = await addedDomain(owner, domainName());
    const verified = await verifiedDomain(owner);
    const before = await snapshot(owner);
    for (const id of [text(pending.id), verified.id]) {
      expect(await removeDomain(stranger, id)).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'domainId' });
      expect(await node(stranger, id)).toBeNull();
    }
    const nodes = await app.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [text(pending.id), verified.id] }, stranger.token);
    expect(nodes.data.nodes).toEqual([null, null]);
    expect(await snapshot(owner)).toEqual(before);
    expect((await account(stranger)).domains.totalCount).toBe(0);
  });
});

describe('concurrent changes to domains', () => {
  it('10 tenants adding the same domain at once: exactly one gets it', async () => {
    const tenants = await Promise.all(Array.from({ length: 10 }, () => app.signUp()));
    const name = domainName();
    const payloads = await Promise.all(tenants.map((tenant, i) => addDomain(tenant, i % 2 === 0 ? name : name.toUpperCase())));
    const types = payloads.map((payload) => text(payload.__typename)).sort();
    expect(types).toEqual(['AddDomainSuccess', ...Array.from({ length: 9 }, () => 'DomainTakenError')]);
    const rows = await app.database.db.select().from(domains).where(eq(domains.name, name));
    expect(rows).toHaveLength(1);
    const winner = tenants[payloads.findIndex((payload) => String(payload.__typename) === 'AddDomainSuccess')];
    expect(rows[0]?.masterAccountId).toBe(decodeId(winner.masterAccountId));
  });

  it('one tenant adding the same domain 5 times at once: one domain, 4 ValidationErrors', async () => {
    const tenant = await app.signUp();
    const name = domainName();
    const payloads = await Promise.all(Array.from({ length: 5 }, () => addDomain(tenant, name)));
    const types = payloads.map((payload) => text(payload.__typename)).sort();
    expect(types).toEqual(['AddDomainSuccess', 'ValidationError', 'ValidationError', 'ValidationError', 'ValidationError']);
    const masterAccount = await account(tenant);
    expect(masterAccount.domains.totalCount).toBe(1);
    expect(auditActions(masterAccount).filter((event) => event.action === 'domain.add')).toHaveLength(1);
  });

  it('removeDomain racing createUser on it: never both succeed', async () => {
    const tenant = await app.signUp();
    for (let round = 0; round < 5; round++) {
      const { id, name } = await verifiedDomain(tenant);
      const address = `${unique('racer')}@${name}`.toLowerCase();
      const [created, removed] = await Promise.all([createUser(tenant, address), removeDomain(tenant, id)]);
      const outcome = [text(created.__typename), text(removed.__typename)];
      expect([
        ['CreateUserSuccess', 'DomainInUseError'],
        ['DomainNotVerifiedError', 'RemoveDomainSuccess'],
      ]).toContainEqual(outcome);
      const users = items((await account(tenant)).users.edges).map((edge) => edge.node.address);
      if (outcome[0] === 'CreateUserSuccess') {
        expect(users).toContain(address);
        expect(await node(tenant, id)).toMatchObject({ status: 'VERIFIED' });
      } else {
        expect(users).not.toContain(address);
        expect(await node(tenant, id)).toBeNull();
      }
    }
  });
});

describe('MasterAccount.domains', () => {
  it('lists the domains by name with totalCount, and pages', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const base = unique('list').toLowerCase();
    const names = [`c-${base}.example`, `a-${base}.example`, `b-${base}.example`];
    for (const name of names) await addedDomain(tenant, name);
    await addedDomain(stranger, `0-${base}.example`);

    const all = await account(tenant);
    expect(all.domains.totalCount).toBe(3);
    expect(items(all.domains.edges).map((edge) => edge.node.name)).toEqual([...names].sort());
    expect(all.domains.pageInfo.hasNextPage).toBe(false);

    const page = await account(tenant, app, 2);
    expect(page.domains.totalCount).toBe(3);
    expect(items(page.domains.edges).map((edge) => edge.node.name)).toEqual([...names].sort().slice(0, 2));
    expect(page.domains.pageInfo.hasNextPage).toBe(true);
  });

  it('needs console access: a FREE owner gets UPGRADE_REQUIRED', async () => {
    const tenant = await app.signUp({ plan: 'FREE' });
    const result = await app.gql(`{ viewer { masterAccount { domains { totalCount } } } }`, {}, tenant.token);
    expect(result.errors?.[0]?.extensions?.code).toBe('UPGRADE_REQUIRED');
  });
});
