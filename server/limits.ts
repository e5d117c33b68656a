import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './db/pagination.js';

/*
 * Each number leaves a margin over the largest legitimate document we know: the SDK's operations
 * (sdk/operations, with their fragments), GraphiQL's default query and introspection, and the
 * tests' own documents. Measured with the same rules as below.
 */

/**
 * Nesting of fields (fragments, inline or named, add no level). The deepest legitimate documents
 * are 8 (the SDK's Resources) and 9 (groups → members nested in tests/groups.test.ts).
 */
export const MAX_DEPTH = 12;
/** Aliased fields per operation (`__typename` is free). The SDK uses none; a hand-written console query a few. */
export const MAX_ALIASES = 15;
/** Directives (`@include`, `@skip`) per operation. The SDK uses none. */
export const MAX_DIRECTIVES = 10;
/**
 * Lexical tokens per document, counted while parsing, so a huge document is refused before it is
 * built. The largest SDK operation is about 280 tokens with its fragments, introspection about 190.
 */
export const MAX_TOKENS = 1000;
/**
 * The most an operation may cost: about the number of values its answer can hold (an object counts
 * 2, a scalar 1, a connection multiplies its selection by its page size). A page size given as a
 * variable counts as the largest page, a missing one as the default page. The largest legitimate
 * document is 50 groups with 50 members each (tests/groups.test.ts), about 18,000; the SDK's largest,
 * 100 ledger entries, about 4,700.
 */
export const MAX_COST = 40_000;
/**
 * `logIn` and `completeLogIn` fields per operation: aliases would otherwise try many passwords or
 * second-factor codes in one request, past any per-request limit.
 */
export const MAX_LOG_INS = 1;
const LOG_IN_FIELDS: ReadonlySet<string> = new Set(['logIn', 'completeLogIn']);
/** Request bodies larger than this are refused with 413; the largest legitimate one is a few KB. */
export const MAX_REQUEST_BODY_BYTES = 1_000_000;
/**
 * The header that marks a request as not coming from a cross-site form or link. JSON requests need
 * none (browsers preflight them); GET and form-like requests must carry it.
 */
export const CSRF_HEADER = 'graphql-require-preflight';

/** The code of every refusal for size or shape; `extensions.limit` says which limit, `max` its value. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';
/** The code of an operation with more than one `logIn`. */
export const TOO_MANY_LOG_INS = 'TOO_MANY_LOG_INS';
/** The code of a request refused for want of the CSRF header. */
export const CSRF_HEADER_REQUIRED = 'CSRF_HEADER_REQUIRED';

type Limit = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost';

function limitError(limit: Limit, max: number, rejection: GraphQLError): GraphQLError {
  // graphql-armor words its messages as syntax errors; the limit and what was found are the news.
  const message = rejection.message.replace(/^Syntax Error: /, '');
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, limit, max } });
}

/** Armor's callbacks: report our error with a code instead of throwing armor's bare one. */
function reportAs(limit: Limit, max: number) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, rejection: GraphQLError) => {
        const error = limitError(limit, max, rejection);
        // The token count runs inside the parser, which has no validation context to report to.
        if (!context) throw error;
        context.reportError(error);
      },
    ],
  };
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);

function intArgument(name: string, value: number): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: name }, value: { kind: Kind.INT, value: String(value) } };
}

/**
 * The document with every connection's page size written out, as graphql-armor's cost rule reads
 * only literal `first`/`last`: a variable becomes the largest page (its value is not known while
 * validating, and validation results are cached per document), a missing size the default page.
 */
function withPageSizes(typeInfo: TypeInfo, document: DocumentNode): DocumentNode {
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const isConnection = typeInfo.getFieldDef()?.args.some((arg) => arg.name === 'first');
        if (!isConnection) return undefined;
        const sizes = (node.arguments ?? []).filter((arg) => PAGE_ARGUMENTS.has(arg.name.value));
        const others = (node.arguments ?? []).filter((arg) => !PAGE_ARGUMENTS.has(arg.name.value));
        const sized =
          sizes.length === 0
            ? [intArgument('first', DEFAULT_PAGE_SIZE)]
            : sizes.map((arg) => (arg.value.kind === Kind.VARIABLE ? intArgument(arg.name.value, MAX_PAGE_SIZE) : arg));
        return { ...node, arguments: [...others, ...sized] };
      },
    }),
  );
}

/** graphql-armor's cost rule, run on the document with its page sizes written out. */
function pageSizedCostRule(): ValidationRule {
  const costOf = costLimitRule({
    maxCost: MAX_COST,
    objectCost: 2,
    scalarCost: 1,
    // Depth is limited on its own; here a level costs what it holds, not more for being deep.
    depthCostFactor: 1,
    flattenFragments: true,
    ...reportAs('cost', MAX_COST),
  });
  return (context) => ({
    Document(document) {
      const schema = context.getSchema();
      for (const error of validate(schema, withPageSizes(new TypeInfo(schema), document), [costOf])) {
        context.reportError(error);
      }
      return false;
    },
  });
}

/** Counts the `logIn` and `completeLogIn` fields an operation would run, through fragments, aliased or not. */
function countLogIns(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (LOG_IN_FIELDS.has(selection.name.value)) count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countLogIns(context, selection.selectionSet, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += countLogIns(context, fragment.selectionSet, seen);
    }
  }
  return count;
}

/** At most one `logIn` or `completeLogIn` per mutation, so each guessed password or code costs the guesser a request. */
const oneLogInRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation !== 'mutation') return false;
    const count = countLogIns(context, operation.selectionSet, new Set());
    if (count > MAX_LOG_INS) {
      context.reportError(
        new GraphQLError(`An operation may log in once; this one has ${count} logIn or completeLogIn fields.`, {
          nodes: operation,
          extensions: { code: TOO_MANY_LOG_INS, max: MAX_LOG_INS },
        }),
      );
    }
    return false;
  },
});

/**
 * The plugins that refuse hostile documents before anything runs: at parse time (tokens) or
 * validation time (the rest), so no context is built, no token looked up, no resolver called.
 */
export function useQueryLimits({ production }: { production: boolean }): Plugin[] {
  const costRule = pageSizedCostRule();
  return [
    EnvelopArmorPlugin({
      maxTokens: { n: MAX_TOKENS, ...reportAs('tokens', MAX_TOKENS) },
      maxDepth: { n: MAX_DEPTH, flattenFragments: true, ...reportAs('depth', MAX_DEPTH) },
      maxAliases: { n: MAX_ALIASES, ...reportAs('aliases', MAX_ALIASES) },
      maxDirectives: { n: MAX_DIRECTIVES, ...reportAs('directives', MAX_DIRECTIVES) },
      // Replaced by pageSizedCostRule, which also counts page sizes given as variables.
      costLimit: { enabled: false },
      // Introspection stays on, so suggestions reveal nothing new; production answers stay terse.
      blockFieldSuggestion: { enabled: production, mask: '' },
    }),
    {
      onValidate({ addValidationRule }) {
        addValidationRule(costRule);
        addValidationRule(oneLogInRule);
      },
    },
    useCsrfPrevention(),
  ];
}

/** A Content-Length header as it must be: one non-negative integer. */
export const CONTENT_LENGTH = /^\d+$/;

function bodyTooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } });
}

/**
 * Refuses request bodies over `limit` bytes with 413, as yoga's `maxRequestBodySize` does, at a
 * fraction of its cost: yoga pipes every body through a TransformStream (5% of a small request's
 * CPU, the pipeline's AbortController and DOMException included). Node's HTTP parser reads exactly
 * Content-Length bytes of a body, so a body with a valid header within the limit needs no
 * counting; only a chunked body, which has no Content-Length, is counted as it streams in.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        // One non-negative integer only: a comma-joined list is a request-smuggling attempt.
        if (!CONTENT_LENGTH.test(length)) {
          throw new GraphQLError('Content-Length header is invalid.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
        }
        if (Number(length) > limit) throw bodyTooLarge();
        return;
      }
      const { body } = request;
      if (!requestParser || !body) return;
      let read = 0;
      // A native stream (yoga.fetch given a native Request) pipes only into a native TransformStream.
      const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
      const counted = body.pipeThrough(
        new Transform<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            read += chunk.byteLength;
            if (read > limit) controller.error(bodyTooLarge());
            else controller.enqueue(chunk);
          },
        }),
      );
      setRequestParser((original) =>
        requestParser(new fetchAPI.Request(original.url, { method: original.method, headers: original.headers, body: counted, duplex: 'half' } as RequestInit)),
      );
    },
  };
}

/** graphql-yoga's CSRF prevention, its refusal worded for the client and given a code. */
function useCsrfPrevention(): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      try {
        return onRequestParse?.(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new GraphQLError(
          `A GET or form request must carry the ${CSRF_HEADER} header (any value), which cross-site pages cannot send; JSON requests need none.`,
          { extensions: { code: CSRF_HEADER_REQUIRED, http: { status: 403 } } },
        );
      }
    },
  };
}
