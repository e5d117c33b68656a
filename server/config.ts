import { resolve } from 'node:path';

/** Everything the server reads from its environment, parsed once and validated. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  mailDomain: string;
  logLevel: string;
  production: boolean;
  /** DNS servers for domain checks as `host:port`; empty means the system's resolvers. */
  dnsServers: string[];
  /** How often the server runs the billing job, in milliseconds; 0 turns the timer off. */
  billingIntervalMs: number;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function parseInterval(value: string | undefined): number {
  if (value === undefined || value === '') return 60_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`BILLING_INTERVAL_MS must be a whole number of milliseconds, got "${value}"`);
  return ms;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: parsePort(env.PORT),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.DATA_DIR || '.data'),
    mailDomain: (env.MAIL_DOMAIN || 'mailadmin.test').toLowerCase(),
    logLevel: env.LOG_LEVEL || 'info',
    production: env.NODE_ENV === 'production',
    billingIntervalMs: parseInterval(env.BILLING_INTERVAL_MS),
    dnsServers: (env.DNS_SERVERS ?? '')
      .split(',')
      .map((server) => server.trim())
      .filter(Boolean),
  };
}
