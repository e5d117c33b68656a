import { AsyncLocalStorage } from 'node:async_hooks';
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
 * The request being handled. Set by main.ts around each request; async continuations inherit it,
 * so every log line written on behalf of a request (Yoga's error logs included) names its id.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Ids from proxies and clients are kept when short and made of URL-safe characters only. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id to use for an incoming `x-request-id` header value (or its absence). */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** JSON lines on stdout: one object per event, easy to ship and to grep. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'mailadmin' },
    mixin: () => {
      const current = requestContext.getStore();
      return current ? { requestId: current.requestId } : {};
    },
  });
}
