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
  /**
   * How many reverse proxies in front of the server append to X-Forwarded-For; 0 ignores the
   * header, which any client can write, and takes the address of the TCP peer.
   */
  trustProxy: number;
  /** How long a new database connection may take before the request waiting for it fails, in ms. */
  dbConnectTimeoutMs: number;
  /**
   * The longest a single SQL statement may run (PostgreSQL's `statement_timeout`), in ms; 0 means
   * no limit. Not applied on PGlite, which cannot interrupt a running statement.
   */
  dbStatementTimeoutMs: number;
  /**
   * Whether operations run as code graphql-jit compiles once per document (default) instead of
   * through graphql-js's interpreter: 10% to 30% less CPU per request (bench/profile.ts).
   */
  graphqlJit: boolean;
  /**
   * Whether each process remembers what bearer tokens resolve to, invalidated by the database's
   * notifications (server/domain/token-cache.ts; default on): one statement less per request.
   */
  tokenCache: boolean;
  /**
   * Holds every token-cache notification this long before acting on it (default 0). Fault
   * injection for tests: it widens the window in which a replica has not heard of a revocation,
   * which writes must survive (yoga.ts, useWritesAuthorisedByDatabase).
   */
  tokenCacheNotifyDelayMs: number;
  /**
   * After SIGTERM, how long requests in flight (and subscriptions) get to finish before their
   * connections are closed, in ms. The process exits at the latest 5 s after that (main.ts).
   */
  shutdownGraceMs: number;
  /**
   * The bearer token GET /metrics asks for (METRICS_TOKEN); undefined (unset or empty) leaves
   * /metrics open, as before.
   */
  metricsToken: string | undefined;
}

export const DEFAULT_DB_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_DB_STATEMENT_TIMEOUT_MS = 15_000;

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function parseTrustProxy(value: string | undefined): number {
  if (value === undefined || value === '' || value === 'false') return 0;
  if (value === 'true') return 1;
  const hops = Number(value);
  if (!Number.isInteger(hops) || hops < 0) {
    throw new Error(`TRUST_PROXY must be the number of proxies in front (0, 1, 2...), true (1) or false (0), got "${value}"`);
  }
  return hops;
}

function parseMilliseconds(name: string, value: string | undefined, fallback: number, minimum: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < minimum) {
    throw new Error(`${name} must be a whole number of milliseconds, at least ${minimum}, got "${value}"`);
  }
  return ms;
}

function parseSwitch(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new Error(`${name} must be 1, true, 0 or false, got "${value}"`);
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
    billingIntervalMs: parseMilliseconds('BILLING_INTERVAL_MS', env.BILLING_INTERVAL_MS, 60_000, 0),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    // A zero connect timeout would mean "wait for ever", the very hang the setting exists to end.
    dbConnectTimeoutMs: parseMilliseconds('DB_CONNECT_TIMEOUT_MS', env.DB_CONNECT_TIMEOUT_MS, DEFAULT_DB_CONNECT_TIMEOUT_MS, 1),
    dbStatementTimeoutMs: parseMilliseconds('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, DEFAULT_DB_STATEMENT_TIMEOUT_MS, 0),
    graphqlJit: parseSwitch('GRAPHQL_JIT', env.GRAPHQL_JIT, true),
    tokenCache: parseSwitch('TOKEN_CACHE', env.TOKEN_CACHE, true),
    tokenCacheNotifyDelayMs: parseMilliseconds('TOKEN_CACHE_NOTIFY_DELAY_MS', env.TOKEN_CACHE_NOTIFY_DELAY_MS, 0, 0),
    shutdownGraceMs: parseMilliseconds('SHUTDOWN_GRACE_MS', env.SHUTDOWN_GRACE_MS, 10_000, 0),
    metricsToken: env.METRICS_TOKEN || undefined,
    dnsServers: (env.DNS_SERVERS ?? '')
      .split(',')
      .map((server) => server.trim())
      .filter(Boolean),
  };
}
