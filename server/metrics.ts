import { createHash, timingSafeEqual } from 'node:crypto';
import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from './db/client.js';
import type { RequestContext, ServerContext } from './logger.js';

/** Operation names are chosen by clients: past this many distinct ones, new names count as "other". */
const MAX_OPERATION_NAMES = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Paths get their own label value; anything else (scanners, typos) is "other", so labels stay few. */
const ROUTES = new Set(['/graphql', '/health', '/metrics', '/yoga-health']);

const BEARER = /^Bearer +(.+)$/i;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Whether a request may read /metrics: any request when no token is configured (METRICS_TOKEN
 * unset), else only one with `Authorization: Bearer <token>`. Both sides are hashed before a
 * constant-time comparison, so the time taken tells neither the token's length nor how much of
 * it a guess got right.
 */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = BEARER.exec(authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(sha256(presented), sha256(token));
}

export interface RequestObservation {
  path: string;
  status: number;
  seconds: number;
  context: RequestContext;
}

export interface BillingObservation {
  seconds: number;
  ok: boolean;
  /** Renewals charged by the run. */
  charged: number;
}

export interface Metrics {
  /** The Prometheus text exposition of every metric, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
  observeRequest(observation: RequestObservation): void;
  observeBilling(observation: BillingObservation): void;
}

/**
 * The process's metrics, each replica its own (Prometheus scrapes each and sums):
 * - `mailadmin_http_requests_total` and `mailadmin_http_request_duration_seconds` by route,
 *   GraphQL operation name ("anonymous" when unnamed, "none" outside GraphQL) and status;
 * - `mailadmin_graphql_errors_total` by operation and `extensions.code` of each error returned;
 * - `mailadmin_db_pool_connections` (state total/idle) and `mailadmin_db_pool_waiting` on
 *   PostgreSQL; absent on PGlite, which is a single in-process connection without a pool;
 * - `mailadmin_billing_runs_total` by outcome, `mailadmin_billing_run_duration_seconds`,
 *   `mailadmin_billing_charged_total` (renewals charged);
 * - Node's defaults (CPU, memory, event loop lag, garbage collection).
 */
export function createMetrics(options: { poolStats: () => PoolStats | null }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'mailadmin_http_requests_total',
    help: 'HTTP requests answered, by route, GraphQL operation name and status.',
    labelNames: ['route', 'operation', 'status'] as const,
    registers,
  });
  const durations = new Histogram({
    name: 'mailadmin_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response (a subscription lasts as long as it is open).',
    labelNames: ['route', 'operation', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const graphqlErrors = new Counter({
    name: 'mailadmin_graphql_errors_total',
    help: 'Errors in GraphQL responses, by operation name and extensions.code.',
    labelNames: ['operation', 'code'] as const,
    registers,
  });
  const stats = options.poolStats();
  if (stats) {
    new Gauge({
      name: 'mailadmin_db_pool_connections',
      help: 'PostgreSQL connections of the pool: total open, and idle among them.',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const now = options.poolStats();
        if (!now) return;
        this.set({ state: 'total' }, now.total);
        this.set({ state: 'idle' }, now.idle);
      },
    });
    new Gauge({
      name: 'mailadmin_db_pool_waiting',
      help: 'Queries waiting for a pool connection because all are busy.',
      registers,
      collect() {
        this.set(options.poolStats()?.waiting ?? 0);
      },
    });
  }
  const billingRuns = new Counter({
    name: 'mailadmin_billing_runs_total',
    help: 'Runs of the billing job in this process, by outcome (ok or error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const billingDuration = new Histogram({
    name: 'mailadmin_billing_run_duration_seconds',
    help: 'How long a run of the billing job took.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    registers,
  });
  const billingCharged = new Counter({
    name: 'mailadmin_billing_charged_total',
    help: 'Renewals charged by the billing job in this process.',
    registers,
  });
  // Start at zero, so a dashboard sees the series before the first run or failure.
  billingRuns.inc({ outcome: 'ok' }, 0);
  billingRuns.inc({ outcome: 'error' }, 0);

  const operationNames = new Set<string>();
  function operationLabel(context: RequestContext): string {
    if (!context.graphql) return 'none';
    const name = context.operationName;
    if (name === null) return 'anonymous';
    if (!GRAPHQL_NAME.test(name)) return 'invalid';
    if (!operationNames.has(name)) {
      if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
      operationNames.add(name);
    }
    return name;
  }

  return {
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    observeRequest({ path, status, seconds, context }) {
      const operation = operationLabel(context);
      const labels = { route: ROUTES.has(path) ? path : 'other', operation, status: String(status) };
      requests.inc(labels);
      durations.observe(labels, seconds);
      for (const code of context.errorCodes) graphqlErrors.inc({ operation, code: ERROR_CODE.test(code) ? code : 'OTHER' });
    },
    observeBilling({ seconds, ok, charged }) {
      billingRuns.inc({ outcome: ok ? 'ok' : 'error' });
      billingDuration.observe(seconds);
      billingCharged.inc(charged);
    },
  };
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === Kind.DOCUMENT;
}

function nameIn(document: DocumentNode, operationName: string | null | undefined): string | null {
  return getOperationAST(document, operationName)?.name?.value ?? null;
}

/**
 * A Yoga plugin that writes into the request context (main.ts passes it in the server context)
 * what the metrics and logs need from GraphQL: the operation name (from the document when the
 * request names none) and the codes of the errors returned. Without one (in-process tests) it
 * does nothing.
 */
export function useRequestObservation(): Plugin<object, ServerContext> {
  return {
    onParams({ params, context }) {
      const observed = context.requestContext;
      if (!observed) return;
      observed.graphql = true;
      observed.operationName = params.operationName ?? null;
    },
    onParse({ context }) {
      const observed = (context as ServerContext).requestContext;
      if (!observed) return;
      // After parsing, before validation and the context (which may refuse the token), so even
      // a request that fails there is counted under its operation's name.
      return ({ result }) => {
        if (isDocument(result)) observed.operationName = nameIn(result, observed.operationName);
      };
    },
    onResultProcess({ result, serverContext }) {
      const observed = serverContext.requestContext;
      if (!observed || Symbol.asyncIterator in result) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of one.errors ?? []) {
          const code = error.extensions?.code;
          observed.errorCodes.push(typeof code === 'string' ? code : 'UNKNOWN');
        }
      }
    },
  };
}
