import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';

/** What the server knows about the HTTP request being handled, wherever the code runs within it. */
export interface RequestContext {
  /** The caller's `x-request-id` when it looks like an id, else a random UUID; echoed in the response. */
  requestId: string;
  /** The GraphQL operation name once Yoga has read the request; null for other paths and unnamed operations. */
  operationName: string | null;
  /** Whether the request carried a GraphQL document (false for /health, /metrics, GraphiQL). */
  graphql: boolean;
  /** `extensions.code` of each error in the GraphQL response, for the error metrics. */
  errorCodes: string[];
}

/**
 * What main.ts hands Yoga with each request, as its server context: plugins read the request
 * context from it and name the request in their log lines. It is passed along rather than kept in
 * an AsyncLocalStorage, whose promise hooks cost about a fifth of a small request's CPU on Node 20.
 */
export interface ServerContext {
  requestContext?: RequestContext;
}

/** Ids from proxies and clients are kept when short and made of URL-safe characters only. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id to use for an incoming `x-request-id` header value (or its absence). */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** JSON lines on stdout: one object per event, easy to ship and to grep. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'mailadmin' } });
}
