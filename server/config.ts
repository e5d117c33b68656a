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
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
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
    dnsServers: (env.DNS_SERVERS ?? '')
      .split(',')
      .map((server) => server.trim())
      .filter(Boolean),
  };
}
