import autocannon from 'autocannon';
import type { Call } from './workloads.js';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
}

export interface LoadOptions {
  port: number;
  connections: number;
  seconds: number;
  /** The next request; called once per request, so every one can differ. */
  next: () => Call;
  /** Whether an answer counts as a success; anything else fails the run. */
  ok: (body: string) => boolean;
}

/** Drives one server with autocannon and fails loudly on any error, non-2xx or unsuccessful answer. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let failed = 0;
  let firstFailure = '';
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}/graphql`,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const call = options.next();
          return {
            ...request,
            body: call.body,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${call.token}` },
          };
        },
        onResponse: (status, body) => {
          if (status !== 200 || !options.ok(body)) {
            failed++;
            firstFailure ||= `${status} ${body.slice(0, 400)}`;
          }
        },
      },
    ],
  });
  if (result.errors > 0 || result.non2xx > 0 || failed > 0) {
    throw new Error(
      `load on port ${options.port}: ${result.errors} connection errors, ${result.non2xx} non-2xx, ${failed} failed answers; first: ${firstFailure}`,
    );
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
