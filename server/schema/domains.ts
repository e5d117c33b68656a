import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import { DomainInUseError, DomainTakenError, VerificationFailedError } from '../domain/errors.js';
import { addDomain, removeDomain, requiredRecords, verificationRecord, verifyDomain, type DomainRow } from '../domain/domains.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { DomainRef } from './refs.js';

const DomainStatusEnum = builder.enumType('DomainStatus', {
  description: 'Whether ownership of a custom domain has been proven.',
  values: {
    PENDING: { description: 'Added, but its verification TXT record has not been found yet; no addresses can use it.' },
    VERIFIED: { description: 'Ownership proven through DNS; addresses on it can be given to users and aliases.' },
  },
});

interface DnsRecordShape {
  type: string;
  name: string;
  value: string;
  found: boolean | null;
  checkedAt: Date | null;
}

const DnsRecord = builder.objectRef<DnsRecordShape>('DnsRecord').implement({
  description: 'A DNS record the administrator publishes at their DNS host, with what the last check found.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'The record type to create: TXT, MX or CNAME.' }),
    name: t.exposeString('name', { description: 'The fully qualified name to create it at, such as "_dmarc.example.org".' }),
    value: t.exposeString('value', { description: 'The value to publish, exactly as shown.' }),
    found: t.boolean({
      nullable: true,
      description: 'Whether the last check found it in DNS; null until verifyDomain has checked it.',
      resolve: (record) => record.found,
    }),
    checkedAt: t.expose('checkedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was last checked; null if never.',
    }),
  }),
});

builder.node(DomainRef, {
  description: 'A custom domain of the master account, such as "example.org", with the DNS records it needs.',
  id: { resolve: (domain) => domain.id },
  loadMany: (ids, context) => viewerNodes(context, DomainRef, (loaders) => loaders.domain, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The domain, lowercased; internationalized names in ASCII (punycode) form.' }),
    status: t.expose('status', { type: DomainStatusEnum, description: 'PENDING until verified.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
    verifiedAt: t.expose('verifiedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When ownership was first proven; null while PENDING.',
    }),
    verificationRecord: t.field({
      type: DnsRecord,
      description: 'The TXT record that proves ownership: publish it, then run verifyDomain.',
      resolve: (domain) => {
        const record = verificationRecord(domain);
        const verified = domain.status === 'VERIFIED';
        return { type: record.type, name: record.name, value: record.value, found: verified ? true : null, checkedAt: domain.verifiedAt };
      },
    }),
    requiredRecords: t.field({
      type: [DnsRecord],
      description: 'The MX, SPF, DKIM and DMARC records mail needs, in that order, each with its last checked status.',
      resolve: (domain, _args, context) =>
        requiredRecords(domain.name, context.config.mailDomain).map((record) => {
          const check = domain.recordChecks.find((c) => c.type === record.purpose);
          return {
            type: record.type,
            name: record.name,
            value: record.value,
            found: check?.found ?? null,
            checkedAt: check ? new Date(check.checkedAt) : null,
          };
        }),
    }),
  }),
});

const DomainPayload = (name: string, description: string) =>
  builder.objectRef<{ domain: DomainRow }>(name).implement({
    description,
    fields: (t) => ({ domain: t.expose('domain', { type: DomainRef, description: 'The domain as it is now.' }) }),
  });

const AddDomainInput = builder.inputType('AddDomainInput', {
  description: 'A domain to add to your master account.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The domain, such as "example.org" or "bücher.example"; stored in ASCII form.' }),
  }),
});

builder.mutationField('addDomain', (t) =>
  t.withAuth({ write: true }).field({
    type: DomainPayload('AddDomainSuccess', 'The domain was added as PENDING; publish its verificationRecord next.'),
    description: 'Adds a custom domain; it stays PENDING until verifyDomain finds its TXT record (owner or administrator).',
    errors: { types: [...CONSOLE_ERRORS, DomainTakenError] },
    args: { input: t.arg({ type: AddDomainInput, required: true, description: 'The domain.' }) },
    resolve: async (_root, { input }, context) => ({
      domain: await addDomain(context.db, context.viewer, input.name, context.config.mailDomain, context.now),
    }),
  }),
);

const DomainIdInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({ domainId: t.id({ required: true, description: 'The domain.' }) }),
  });

builder.mutationField('verifyDomain', (t) =>
  t.withAuth({ write: true }).field({
    type: DomainPayload('VerifyDomainSuccess', 'The domain is verified; requiredRecords show what DNS has now.'),
    description:
      'Looks up the verification TXT record in DNS and marks the domain VERIFIED; checks MX, SPF, DKIM and DMARC each time. Run it again to re-check.',
    errors: { types: [...CONSOLE_ERRORS, VerificationFailedError] },
    args: { input: t.arg({ type: DomainIdInput('VerifyDomainInput', 'The domain to verify.'), required: true, description: 'The domain.' }) },
    resolve: async (_root, { input }, context) => ({
      domain: await verifyDomain(
        context.db,
        context.dns,
        context.viewer,
        parseGlobalId('domainId', input.domainId, 'Domain'),
        context.config.mailDomain,
        context.now,
      ),
    }),
  }),
);

const RemoveDomainSuccess = builder.objectRef<{ removedDomainId: string }>('RemoveDomainSuccess').implement({
  description: 'The domain was removed from your master account.',
  fields: (t) => ({ removedDomainId: t.exposeID('removedDomainId', { description: 'The global ID the domain had.' }) }),
});

builder.mutationField('removeDomain', (t) =>
  t.withAuth({ write: true }).field({
    type: RemoveDomainSuccess,
    description: 'Removes a custom domain; refused while users or aliases have addresses on it.',
    errors: { types: [...CONSOLE_ERRORS, DomainInUseError] },
    args: { input: t.arg({ type: DomainIdInput('RemoveDomainInput', 'The domain to remove.'), required: true, description: 'The domain.' }) },
    resolve: async (_root, { input }, context) => {
      await removeDomain(context.db, context.viewer, parseGlobalId('domainId', input.domainId, 'Domain'));
      return { removedDomainId: input.domainId };
    },
  }),
);
