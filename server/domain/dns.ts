import { Resolver } from 'node:dns/promises';

/** What domain checks need from DNS; answers are lowercased where DNS is case-insensitive. */
export interface DnsLookup {
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<string[]>;
  cname(name: string): Promise<string[]>;
}

/** Raised when DNS could not be asked at all, as opposed to answering "no such record". */
export class DnsUnavailableError extends Error {}

const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN']);

/**
 * Real DNS queries through Node's resolver (c-ares), against `servers` (`host:port`) or the
 * system's. A missing name or record is an empty answer; anything else is DnsUnavailableError.
 */
export function createDnsLookup(servers: string[]): DnsLookup {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  async function ask<T>(query: () => Promise<T[]>): Promise<T[]> {
    try {
      return await query();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && ABSENT.has(code)) return [];
      throw new DnsUnavailableError(`DNS lookup failed: ${code ?? String(error)}`);
    }
  }
  const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');
  return {
    txt: async (name) => (await ask(() => resolver.resolveTxt(name))).map((chunks) => chunks.join('')),
    mx: async (name) => (await ask(() => resolver.resolveMx(name))).map((record) => bare(record.exchange)),
    cname: async (name) => (await ask(() => resolver.resolveCname(name))).map(bare),
  };
}
