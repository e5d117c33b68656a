import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDnsServer } from './dns-server.js';
import { PASSWORD, unique } from './harness.js';
import { startServer } from './process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-domains-test-'));
const dns = await startDnsServer();
const server = await startServer({ DATA_DIR: dataDir, DNS_SERVERS: dns.address });
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await dns.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { __typename ... on SignUpSuccess { token } } }`;
const ADD_DOMAIN = `mutation ($input: AddDomainInput!) { addDomain(input: $input) {
  __typename ... on AddDomainSuccess { domain { id name status verificationRecord { type name value } } } } }`;
const VERIFY = `mutation ($input: VerifyDomainInput!) { verifyDomain(input: $input) {
  __typename ... on VerifyDomainSuccess { domain { status requiredRecords { type found } } } } }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  __typename ... on CreateUserSuccess { user { id address } } } }`;
const ADD_ALIAS = `mutation ($input: AddAliasInput!) { addAlias(input: $input) {
  __typename ... on AddAliasSuccess { alias { address } } ... on AliasLimitReachedError { limit } } }`;

async function signUp(): Promise<string> {
  const result = await server.post(SIGN_UP, {
    input: {
      organizationName: unique('org'),
      ownerAddress: `${unique('owner')}@mailadmin.test`,
      ownerDisplayName: 'Owner',
      password: PASSWORD,
      plan: 'ENTRY',
    },
  });
  const token = result.body.data.signUp?.token as string;
  const deposit = await server.post(
    `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename } }`,
    { input: { amount: '100.00', idempotencyKey: unique('deposit') } },
    token,
  );
  expect(deposit.body.data.addDeposit?.__typename).toBe('AddDepositSuccess');
  return token;
}

describe('custom domains and aliases over HTTP, against a loopback DNS server', () => {
  it('follows the administrator from adding a domain to the alias limit', async () => {
    const token = await signUp();
    const other = await signUp();
    const name = `${unique('acme')}.example`;

    const added = await server.post(ADD_DOMAIN, { input: { name: name.toUpperCase() } }, token);
    const domain = added.body.data.addDomain?.domain as { id: string; name: string; status: string; verificationRecord: { type: string; name: string; value: string } };
    expect(domain).toMatchObject({ name, status: 'PENDING' });

    const early = await server.post(VERIFY, { input: { domainId: domain.id } }, token);
    expect(early.body.data.verifyDomain?.__typename).toBe('VerificationFailedError');

    dns.publish('TXT', domain.verificationRecord.name, domain.verificationRecord.value);
    const verified = await server.post(VERIFY, { input: { domainId: domain.id } }, token);
    expect(verified.body.data.verifyDomain).toMatchObject({ __typename: 'VerifyDomainSuccess', domain: { status: 'VERIFIED' } });

    const created = await server.post(
      CREATE_USER,
      { input: { address: `Grace@${name}`, displayName: 'Grace', password: PASSWORD, plan: 'ENTRY' } },
      token,
    );
    const user = created.body.data.createUser?.user as { id: string; address: string };
    expect(user.address).toBe(`grace@${name}`);

    for (let i = 1; i <= 10; i++) {
      const alias = await server.post(ADD_ALIAS, { input: { userId: user.id, address: `alias${i}@${name}` } }, token);
      expect(alias.body.data.addAlias?.__typename).toBe('AddAliasSuccess');
    }
    const eleventh = await server.post(ADD_ALIAS, { input: { userId: user.id, address: `alias11@${name}` } }, token);
    expect(eleventh.body.data.addAlias).toEqual({ __typename: 'AliasLimitReachedError', limit: 10 });

    // The same address in any case, as a user or an alias, on this tenant or another: refused.
    const again = await server.post(
      CREATE_USER,
      { input: { address: `GRACE@${name.toUpperCase()}`, displayName: 'Copy', password: PASSWORD, plan: 'ENTRY' } },
      token,
    );
    expect(again.body.data.createUser?.__typename).toBe('AddressTakenError');
    const elsewhere = await server.post(
      CREATE_USER,
      { input: { address: `ALIAS1@${name}`, displayName: 'Copy', password: PASSWORD, plan: 'ENTRY' } },
      other,
    );
    // Another tenant cannot use the domain at all, so its claim fails before the address is compared.
    expect(elsewhere.body.data.createUser?.__typename).toBe('DomainNotVerifiedError');
    const onProviderDomain = `${unique('shared')}@mailadmin.test`;
    await server.post(CREATE_USER, { input: { address: onProviderDomain, displayName: 'A', password: PASSWORD, plan: 'ENTRY' } }, token);
    const crossTenant = await server.post(
      CREATE_USER,
      { input: { address: onProviderDomain.toUpperCase(), displayName: 'B', password: PASSWORD, plan: 'ENTRY' } },
      other,
    );
    expect(crossTenant.body.data.createUser?.__typename).toBe('AddressTakenError');

    const reserved = await server.post(
      CREATE_USER,
      { input: { address: `postmaster@${name}`, displayName: 'Postmaster', password: PASSWORD, plan: 'ENTRY' } },
      token,
    );
    expect(reserved.body.data.createUser?.__typename).toBe('AddressReservedError');

    const stolen = await server.post(ADD_DOMAIN, { input: { name } }, other);
    expect(stolen.body.data.addDomain?.__typename).toBe('DomainTakenError');
  });
});
