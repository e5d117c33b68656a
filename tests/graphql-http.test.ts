import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { serverAudits } from 'graphql-http';
import { afterAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, MAX_REQUEST_BODY_BYTES } from '../server/limits.js';
import { startServer } from './process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-graphql-http-'));
const server = await startServer({ DATA_DIR: dataDir });
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const url = `${server.url}/graphql`;

describe('the GraphQL over HTTP audits of graphql-http, against the server process', () => {
  const audits = serverAudits({ url });

  it.each(audits.filter((audit) => audit.name.startsWith('MUST')).map((audit) => [audit.name, audit] as const))(
    '%s',
    async (_name, audit) => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    },
  );

  it('passes every audit, SHOULD and MAY included, for a client that sends the CSRF header (GET needs it)', async () => {
    const withHeader = (input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), [CSRF_HEADER]: '1' } });
    const failed: string[] = [];
    for (const audit of serverAudits({ url, fetchFn: withHeader })) {
      const result = await audit.fn();
      if (result.status !== 'ok') failed.push(`${audit.name}: ${result.reason}`);
    }
    expect(failed).toEqual([]);
  });
});

describe('request bodies', () => {
  /** A JSON body of exactly `bytes` bytes: the document, then spaces, which JSON allows. */
  function bodyOf(bytes: number): string {
    const json = JSON.stringify({ query: '{ __typename }' });
    return `${json.slice(0, -1)}${' '.repeat(bytes - json.length)}}`;
  }

  it(`accepts ${MAX_REQUEST_BODY_BYTES} bytes`, async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(MAX_REQUEST_BODY_BYTES) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses one byte more with 413', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(MAX_REQUEST_BODY_BYTES + 1) });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } });
  });

  it('refuses a larger body sent in chunks, without a Content-Length, with 413', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    const json = new TextEncoder().encode(JSON.stringify({ query: '{ __typename }' }).slice(0, -1));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(json);
        if (sent > MAX_REQUEST_BODY_BYTES) {
          controller.enqueue(new TextEncoder().encode('}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('reads no more of a body than its Content-Length says, so the header alone bounds it', async () => {
    // Whatever follows the promised bytes is the next request on the connection, never more of the
    // first body: here a second request, answered on its own.
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const json = JSON.stringify({ query: '{ __typename }' });
    const request = (headers: string) =>
      `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n${headers}\r\n${json}`;
    socket.write(request('') + request('Connection: close\r\n'));
    let answer = '';
    for await (const chunk of socket) answer += String(chunk);
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    expect(statuses).toEqual(['200', '200']);
  });
});
