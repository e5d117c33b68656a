import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import type { GraphQLParams, Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.js';
import { CONTENT_LENGTH, MAX_REQUEST_BODY_BYTES } from './limits.js';
import type { ServerContext } from './logger.js';

type Yoga = YogaServerInstance<ServerContext, Context>;
type ResultProcessHook = NonNullable<Plugin<object, ServerContext>['onResultProcess']>;
type ResultProcessPayload = Parameters<ResultProcessHook>[0];
type ResultProcessor = Parameters<ResultProcessPayload['setResultProcessor']>[0];
type ResultProcessorInput = ResultProcessPayload['result'];
/** Every field of T present, optional ones possibly undefined. */
type EveryField<T> = { [Key in keyof Required<T>]: T[Key] };
/** What Yoga's Node adapter adds to the server context. */
type NodeContext = { req: IncomingMessage; res: ServerResponse; waitUntil: Yoga['waitUntil'] };

/** What the handler tells of its work, for tests and diagnostics: requests by lane. */
export interface LaneCounts {
  /** Requests read and answered by the short lane. */
  short: number;
  /** Requests handed to Yoga's Node adapter whole. */
  yoga: number;
  /** Requests the short lane read and then handed to Yoga with their body: one that is not one JSON object, or params Yoga refuses. */
  yogaAfterReading: number;
}

export interface HttpHandler {
  (request: IncomingMessage, response: ServerResponse, context: ServerContext): void;
  readonly lanes: LaneCounts;
}

export interface HttpHandlerOptions {
  /** Whether the short lane is taken at all; off, every request goes through Yoga's adapter. */
  shortLane?: boolean;
  /** Where a failure of the handler itself is reported; the client gets a 500. */
  onError: (error: unknown) => void;
}

/**
 * Yoga's onResultProcess hooks: the media type its result processors pick for the client's
 * Accept header, and our plugins' observers (metrics, error logs). Plugins give them through
 * Yoga's public plugin API; the list the server keeps of them is private, so its absence after an
 * upgrade fails here, at startup, and tests/http.test.ts compares both lanes answer by answer.
 */
function resultProcessHooks(yoga: Yoga): ResultProcessHook[] {
  const hooks: unknown = Reflect.get(yoga, 'onResultProcessHooks');
  if (!Array.isArray(hooks) || hooks.some((hook) => typeof hook !== 'function')) {
    throw new Error('graphql-yoga no longer keeps its onResultProcessHooks: server/http.ts needs updating');
  }
  return hooks as ResultProcessHook[];
}

/**
 * Whether the request is one the short lane answers exactly as Yoga would: a POST of a JSON body
 * of a stated length within the limit to the GraphQL endpoint, without an Origin header (browsers
 * send one, and Yoga answers it with CORS headers). For such a request Yoga's request hooks have
 * nothing to do: no CORS headers, no other route, no CSRF check (a JSON POST needs none),
 * no body counting (Node reads exactly Content-Length bytes), no batch (the body is checked to be
 * one object). Everything else (GET, GraphiQL, a form or chunked body, a preflight, a
 * cross-origin call) goes through Yoga's adapter whole.
 */
function takesShortLane(request: IncomingMessage, endpoint: string): boolean {
  if (request.method !== 'POST' || request.url !== endpoint || request.headers.origin !== undefined) return false;
  // As Yoga matches it (request-parser/utils.ts): the first of a list, parameters allowed.
  const contentType = request.headers['content-type']?.split(',')[0];
  if (contentType !== 'application/json' && !contentType?.startsWith('application/json;')) return false;
  const length = request.headers['content-length'];
  return length !== undefined && CONTENT_LENGTH.test(length) && Number(length) <= MAX_REQUEST_BODY_BYTES;
}

/**
 * The whole body as text, or undefined when the client went away while sending it (a request
 * stream fails only so): there is no one left to answer, and nothing went wrong here.
 */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', () => resolve(undefined));
  });
}

/** A JSON object, or undefined for anything else, which Yoga's own parser then refuses in its words. */
function parseParams(body: string): GraphQLParams | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as GraphQLParams) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP front of the API. Yoga's Node adapter makes a Fetch Request of every request (its body
 * streamed through it, an abort signal wired to the response), merges the server contexts, runs
 * ten request-parsing hooks and answers through a Fetch Response: `{ __typename }` took 0.14 to
 * 0.17 ms of the server's CPU per request through it here, 0.10 to 0.12 ms by the short lane.
 *
 * The common request, a JSON POST to /graphql (takesShortLane), takes that shorter lane: its body
 * is read from the socket and parsed, and from there Yoga itself runs it: getResultForParams (its
 * params hooks, its check of the params, the envelop pipeline with the parse and validation
 * caches, masking), then its onResultProcess hooks (the media type for the Accept header, the
 * metrics' and logs' observers), its result processor and its Node writer. What the lane skips
 * has nothing to do for such a request; tests/http.test.ts sends the same requests through both
 * lanes and finds the same answers.
 *
 * The Request goes without an abort signal: nothing reads it (Yoga's useExecutionCancellation
 * would, and is not used), and a subscription's stream ends when its response closes, by
 * sendNodeResponse, as the same tests show.
 */
export function createHttpHandler(yoga: Yoga, options: HttpHandlerOptions): HttpHandler {
  const shortLane = options.shortLane ?? true;
  const hooks = resultProcessHooks(yoga);
  const endpoint = yoga.graphqlEndpoint;
  // Read once: each read of a property of Yoga's server goes through its adapter's Proxy, which
  // wraps a method in a new function every time.
  const { waitUntil, fetchAPI } = yoga;
  const getResultForParams = yoga.getResultForParams;
  const lanes: LaneCounts = { short: 0, yoga: 0, yogaAfterReading: 0 };

  function fail(response: ServerResponse, error: unknown) {
    options.onError(error);
    if (!response.headersSent) response.writeHead(500);
    response.end();
  }

  /** A request whose body the short lane has read, answered by Yoga whole. */
  async function answerThroughYoga(url: string, headers: Record<string, string>, body: string, serverContext: EveryField<ServerContext> & NodeContext) {
    lanes.yogaAfterReading++;
    const fetchRequest = new fetchAPI.Request(url, { method: 'POST', headers, body });
    await sendNodeResponse(await yoga.handleRequest(fetchRequest, serverContext), serverContext.res, serverContext.req, true);
  }

  async function answer(request: IncomingMessage, response: ServerResponse, context: ServerContext) {
    const body = await readBody(request);
    if (body === undefined) return;
    const url = `http://${request.headers.host ?? 'localhost'}${endpoint}`;
    // Node joins repeated request headers into one string; only set-cookie stays a list, and
    // requests do not carry it.
    const headers = request.headers as Record<string, string>;
    // Each property named: a spread copy of `context` made a request 0.03 ms dearer (V8's object
    // shapes), a quarter of what the lane saves. The type makes a new field of ServerContext
    // a compile error here until it is passed along.
    const serverContext: EveryField<ServerContext> & NodeContext = { requestContext: context.requestContext, req: request, res: response, waitUntil };
    const params = parseParams(body);
    // Yoga answers a body that is not one JSON object (invalid JSON, a batch) in its own words.
    if (!params) return answerThroughYoga(url, headers, body, serverContext);
    // The body is read: after parsing, Yoga's hooks read only the method, the URL and the headers.
    const fetchRequest = new fetchAPI.Request(url, { method: 'POST', headers });
    let result: ResultProcessorInput | undefined;
    try {
      result = await getResultForParams({ params, request: fetchRequest }, serverContext);
    } catch {
      // Only Yoga's params hooks throw here (its check of the params, such as a query that is not
      // a string); execution's errors come back in the result. Nothing has run, so Yoga answers.
      return answerThroughYoga(url, headers, body, serverContext);
    }
    if (result === undefined) throw new Error('Yoga answered the operation with no result');
    lanes.short++;
    // As Yoga's processResult (process-request.ts) does after getResultForParams.
    let processor: ResultProcessor | undefined;
    let mediaType = '*/*';
    const acceptableMediaTypes: string[] = [];
    for (const hook of hooks) {
      await hook({
        request: fetchRequest,
        acceptableMediaTypes,
        result,
        setResult: (next) => {
          result = next;
        },
        resultProcessor: processor,
        setResultProcessor: (next, accepted) => {
          processor = next;
          mediaType = accepted;
        },
        serverContext,
      });
    }
    const fetchResponse = processor
      ? await processor(result, fetchAPI, mediaType)
      : new fetchAPI.Response(null, {
          status: 406,
          statusText: 'Not Acceptable',
          headers: { accept: acceptableMediaTypes.join('; charset=utf-8, ') },
        });
    await sendNodeResponse(fetchResponse, response, request, true);
  }

  const handler = (request: IncomingMessage, response: ServerResponse, context: ServerContext) => {
    if (shortLane && takesShortLane(request, endpoint)) {
      answer(request, response, context).catch((error: unknown) => fail(response, error));
      return;
    }
    lanes.yoga++;
    void yoga.handle(request, response, context);
  };
  return Object.assign(handler, { lanes });
}
