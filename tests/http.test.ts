import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpHandler, type HttpHandler, type LaneCounts } from '../server/http.js';
import { MAX_REQUEST_BODY_BYTES } from '../server/limits.js';
import type { RequestContext } from '../server/logger.js';
import { createEvents, type EventName, type EventRows, type Events } from '../server/pubsub.js';
import { startApp } from './harness.js';
import { subscribe } from './sse.js';
import { until } from './until.js';

/** Events that count the subscriptions open on them, to see a stream's end reach its source. */
const inner = createEvents();
let openSubscriptions = 0;
const events: Events = {
  publish: inner.publish,
  close: inner.close,
  othersListening: inner.othersListening,
  subscribe<Name extends EventName>(name: Name, masterAccountId: string): AsyncIterable<EventRows[Name]> {
    const source = inner.subscribe(name, masterAccountId);
    return {
      [Symbol.asyncIterator]() {
        const iterator = source[Symbol.asyncIterator]();
        openSubscriptions++;
        let open = true;
        const close = () => {
          if (open) openSubscriptions--;
          open = false;
        };
        return {
          next: () => iterator.next(),
          return: async () => {
            close();
            return (await iterator.return?.()) ?? { done: true, value: undefined };
          },
        };
      },
    };
  },
};

const app = await startApp({ events });
const tenant = await app.signUp();
const failures: unknown[] = [];

interface Served {
  url: string;
  port: number;
  handler: HttpHandler;
  /** The request context of each request, as main.ts passes it and the metrics and logs read it. */
  contexts: RequestContext[];
}

async function serve(shortLane: boolean): Promise<Served> {
  const handler = createHttpHandler(app.yoga, { shortLane, onError: (error) => failures.push(error) });
  const contexts: RequestContext[] = [];
  const server: Server = createServer((request, response) => {
    const requestContext: RequestContext = { requestId: 'test', operationName: null, graphql: false, errorCodes: [] };
    contexts.push(requestContext);
    handler(request, response, { requestContext });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, handler, contexts };
}

const short = await serve(true);
const yogaOnly = await serve(false);

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Sent with its Content-Length unless `chunked`. */
  body?: string;
  chunked?: boolean;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (fetch would add its own), and the whole answer. */
function send(port: number, sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...sent.headers };
    if (sent.body !== undefined && !sent.chunked) headers['content-length'] = String(Buffer.byteLength(sent.body));
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: sent.method ?? 'POST', path: sent.path ?? '/graphql', headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    if (sent.chunked && sent.body !== undefined) {
      // Two writes before end: Node sends the body chunked, with no Content-Length.
      outgoing.write(sent.body.slice(0, 5));
      outgoing.write(sent.body.slice(5));
    }
    outgoing.end(sent.chunked ? undefined : sent.body);
  });
}

/** The answer without what differs between any two answers: the date and the connection's own headers. */
function comparable(answer: Answer) {
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)));
  return { status: answer.status, headers, body: answer.body };
}

const json = (body: unknown, headers: Record<string, string> = {}): Sent => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const withToken = { authorization: `Bearer ${tenant.token}` };
const viewerQuery = '{ viewer { user { address role } masterAccount { name balance { amount } } } }';

type Lane = keyof LaneCounts;

const cases: [name: string, sent: Sent, lane: Lane][] = [
  ['a query with no Accept header', json({ query: '{ __typename }' }), 'short'],
  ['a query accepting application/json', json({ query: '{ __typename }' }, { accept: 'application/json' }), 'short'],
  ['a query accepting application/graphql-response+json', json({ query: '{ __typename }' }, { accept: 'application/graphql-response+json' }), 'short'],
  ['a query accepting anything', json({ query: '{ __typename }' }, { accept: '*/*' }), 'short'],
  ['a query accepting only HTML (406)', json({ query: '{ __typename }' }, { accept: 'text/html' }), 'short'],
  ['a JSON content type with a charset', json({ query: '{ __typename }' }, { 'content-type': 'application/json; charset=utf-8' }), 'short'],
  ['a query with a token', json({ query: viewerQuery }, withToken), 'short'],
  ['a query with an unknown token (401)', json({ query: viewerQuery }, { authorization: 'Bearer nope' }), 'short'],
  ['a named operation', json({ query: 'query Who { viewer { user { address } } }', operationName: 'Who' }, withToken), 'short'],
  ['two operations and no name', json({ query: 'query A { __typename } query B { __typename }' }), 'short'],
  ['a syntax error', json({ query: '{ viewer {' }), 'short'],
  ['an unknown field', json({ query: '{ nope }' }), 'short'],
  ['an unknown field, accepting graphql-response+json', json({ query: '{ nope }' }, { accept: 'application/graphql-response+json' }), 'short'],
  ['a variable of the wrong type', json({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id: [1] } }, withToken), 'short'],
  [
    'a mutation the rules refuse',
    json({ query: 'mutation { addDeposit(input: { amount: "0.00", idempotencyKey: "k" }) { __typename ... on Error { code message } } }' }, withToken),
    'short',
  ],
  ['a subscription accepting only JSON (406)', json({ query: 'subscription { ledgerEntryAdded { id } }' }, { ...withToken, accept: 'application/json' }), 'short'],
  ['a body that is not JSON', { headers: { 'content-type': 'application/json' }, body: '{ "query": ' }, 'yogaAfterReading'],
  ['a batch', json([{ query: '{ __typename }' }]), 'yogaAfterReading'],
  ['a JSON null', json(null), 'yogaAfterReading'],
  ['a query that is not a string', json({ query: 42 }), 'yogaAfterReading'],
  ['an unknown parameter', json({ query: '{ __typename }', extra: true }), 'yogaAfterReading'],
  ['variables that are not an object', json({ query: '{ __typename }', variables: 'x' }), 'yogaAfterReading'],
  ['no query', json({ variables: {} }), 'yogaAfterReading'],
  ['a cross-origin call', json({ query: '{ __typename }' }, { origin: 'https://console.example' }), 'yoga'],
  ['a preflight', { method: 'OPTIONS', headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' } }, 'yoga'],
  ['a chunked body', { ...json({ query: '{ __typename }' }), chunked: true }, 'yoga'],
  ['a body over the limit (413)', json({ query: `{ __typename }${' '.repeat(MAX_REQUEST_BODY_BYTES)}` }), 'yoga'],
  ['application/graphql+json', json({ query: '{ __typename }' }, { 'content-type': 'application/graphql+json' }), 'yoga'],
  ['a form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' }, 'yoga'],
  ['a GET', { method: 'GET', path: '/graphql?query=%7B__typename%7D', headers: { 'graphql-require-preflight': '1' } }, 'yoga'],
  ['a POST with a query string', { ...json({ query: '{ __typename }' }), path: '/graphql?x=1' }, 'yoga'],
  ['another path', { ...json({ query: '{ __typename }' }), path: '/other' }, 'yoga'],
];

afterAll(() => expect(failures).toEqual([]));

describe('the short lane answers as Yoga does', () => {
  it.each(cases)('%s', async (_name, sent, lane) => {
    const before = { ...short.handler.lanes };
    const open = openSubscriptions;
    const [fast, whole] = [await send(short.port, sent), await send(yogaOnly.port, sent)];
    expect(comparable(fast)).toEqual(comparable(whole));
    // What the metrics and the request log learn of it, too.
    expect(short.contexts.at(-1)).toEqual(yogaOnly.contexts.at(-1));
    const after = short.handler.lanes;
    expect({ short: after.short - before.short, yoga: after.yoga - before.yoga, yogaAfterReading: after.yogaAfterReading - before.yogaAfterReading }).toEqual({
      short: 0,
      yoga: 0,
      yogaAfterReading: 0,
      [lane]: 1,
    });
    // Nothing is left running: a subscription refused with 406 is ended, too.
    await until('the subscriptions it opened to end', () => (openSubscriptions === open ? true : undefined), 5_000);
  });

  it('takes no request in the short lane when it is turned off', () => {
    expect(yogaOnly.handler.lanes).toEqual({ short: 0, yoga: yogaOnly.contexts.length, yogaAfterReading: 0 });
  });

  it('runs a mutation once, in the short lane', async () => {
    const before = short.handler.lanes.short;
    const deposit = (key: string) =>
      send(
        short.port,
        json({ query: `mutation { addDeposit(input: { amount: "12.34", idempotencyKey: "${key}" }) { __typename ... on AddDepositSuccess { ledgerEntry { id } } } }` }, withToken),
      );
    const first = JSON.parse((await deposit('http-lane')).body) as { data: { addDeposit: { __typename: string; ledgerEntry: { id: string } } } };
    const again = JSON.parse((await deposit('http-lane')).body) as typeof first;
    expect(first.data.addDeposit.__typename).toBe('AddDepositSuccess');
    expect(again.data.addDeposit.ledgerEntry.id).toBe(first.data.addDeposit.ledgerEntry.id);
    expect(short.handler.lanes.short - before).toBe(2);
    const ledger = await app.gql('{ viewer { masterAccount { ledger(first: 1) { edges { node { id } } } } } }', {}, tenant.token);
    expect(ledger.data.viewer.masterAccount.ledger.edges[0].node.id).toBe(first.data.addDeposit.ledgerEntry.id);
  });
});

describe('a client that leaves while sending its body', () => {
  it('gets no answer, counts as no failure, and the next request is answered', async () => {
    const before = { ...short.handler.lanes };
    const seen = short.contexts.length;
    const socket = connect(short.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":');
    await until('the request to reach the handler', () => (short.contexts.length > seen ? true : undefined));
    socket.destroy();
    const next = await send(short.port, json({ query: '{ __typename }' }));
    expect(next.body).toBe('{"data":{"__typename":"Query"}}');
    // Only the next request was answered; `failures` (checked after all tests) stays empty.
    expect(short.handler.lanes.short - before.short).toBe(1);
    expect(short.handler.lanes.yogaAfterReading - before.yogaAfterReading).toBe(0);
  });
});

describe('a subscription', () => {
  it.each([
    ['in the short lane', short, 'short'],
    ['through Yoga', yogaOnly, 'yoga'],
  ] as const)('streams %s and ends at its source when the client leaves', async (_name, served, lane) => {
    const before = served.handler.lanes[lane];
    const open = openSubscriptions;
    const stream = await subscribe(served.url, 'subscription { ledgerEntryAdded { amount { amount } } }', tenant.token);
    expect(served.handler.lanes[lane] - before).toBe(1);
    await until('the subscription to open', () => (openSubscriptions === open + 1 ? true : undefined));
    const event = stream.next();
    await app.gql(`mutation { addDeposit(input: { amount: "1.00", idempotencyKey: "${_name}" }) { __typename } }`, {}, tenant.token);
    expect((await event).data).toEqual({ ledgerEntryAdded: { amount: { amount: '1.00' } } });
    stream.close();
    await until('the subscription to end', () => (openSubscriptions === open ? true : undefined), 5_000);
  });
});
