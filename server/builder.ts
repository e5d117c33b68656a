import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType, isObjectType, Kind, type GraphQLSchema } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Context, SignedInContext } from './context.js';
import type { Page } from './db/pagination.js';
import { UnauthenticatedError } from './domain/errors.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

function isNodeType(schema: GraphQLSchema, typename: string): boolean {
  const type = typename ? schema.getType(typename) : undefined;
  return isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node');
}

function serializeDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new GraphQLError('Decimal must be a string of digits with an optional fraction, such as "12.50".');
  }
  return value;
}

/**
 * Input only has to be a string: whether it is a valid amount for the field it goes to (cents,
 * range) is the field's rule, reported as a ValidationError naming that field.
 */
function parseDecimal(value: unknown): string {
  if (typeof value !== 'string') throw new GraphQLError('Decimal must be written as a string, such as "12.50".');
  return value;
}

/** Exact decimal numbers as strings ("2.50"): money never travels as a binary float. */
const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description:
    'An exact decimal number written as a string, such as "2.50". Money amounts use it so no precision is lost to floating point; an amount that is not a valid decimal is a ValidationError naming its field.',
  serialize: serializeDecimal,
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal must be written as a string, such as "12.50".');
    return ast.value;
  },
});

/** Years outside 1-9999 have no ISO 8601 form PostgreSQL and clients agree on. */
function inYearRange(value: Date): Date {
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) throw new GraphQLError('DateTime must be between the years 0001 and 9999.');
  return value;
}

/** graphql-scalars' RFC 3339 parsing, limited to the years a timestamp column holds. */
const DateTimeScalar = new GraphQLScalarType<Date, Date>({
  name: 'DateTime',
  description: 'An instant in ISO 8601 form, always in UTC, such as "2026-11-28T19:13:09.000Z", between the years 0001 and 9999.',
  serialize: (value) => DateTimeResolver.serialize(value),
  parseValue: (value) => inYearRange(DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => inYearRange(DateTimeResolver.parseLiteral(ast, variables)),
});

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { signedIn: boolean; read: boolean; write: boolean; billing: boolean };
  AuthContexts: { signedIn: SignedInContext; read: SignedInContext; write: SignedInContext; billing: SignedInContext };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Decimal: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  Connection: Pick<Page<unknown>, 'totalCount'>;
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  scopeAuth: {
    // Subscriptions are checked before their event stream opens, not only on each event.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      signedIn: context.viewer !== null,
      read: context.viewer?.scopes.includes('READ') ?? false,
      write: context.viewer?.scopes.includes('WRITE') ?? false,
      billing: context.viewer?.scopes.includes('BILLING') ?? false,
    }),
    unauthorizedError: (_parent, context) =>
      context.viewer
        ? new GraphQLError('This token lacks the scope this operation needs (reading lists and objects needs READ; mutations need WRITE; money needs BILLING).', {
            extensions: { code: 'FORBIDDEN' },
          })
        : new UnauthenticatedError(),
  },
  errors: {
    directResult: true,
    defaultUnionOptions: {
      description:
        'The outcome of the mutation of the same name: its Success type when it worked, otherwise one of the errors a client can fix (all implement Error). When an error is returned nothing was changed.',
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeTypeOptions: { description: 'An object with a global ID, which `node` and `nodes` can fetch again.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its list, and the cursors to fetch its neighbours.' },
    // A malformed or foreign ID is just an object that does not exist: null, never an error.
    decodeGlobalID: (globalID) => {
      try {
        return decodeGlobalID(globalID);
      } catch {
        return { typename: '', id: globalID };
      }
    },
    nodeQueryOptions: {
      description: 'Fetches any object by its global ID; null when it does not exist or is not yours.',
      authScopes: { read: true },
      args: { id: { description: 'A global ID, as found in the `id` field of any object.' } },
      resolve: (_root, { id }, _context, info, resolveNode) => (isNodeType(info.schema, id.typename) ? resolveNode(id) : null),
    },
    nodesQueryOptions: {
      description: 'Fetches several objects by global ID, in order; null for each that does not exist or is not yours.',
      authScopes: { read: true },
      args: { ids: { description: 'Global IDs, as found in the `id` field of any object.' } },
      resolve: async (_root, args, _context, info, resolveNodes) => {
        const { ids } = args;
        const known = ids.filter((id) => isNodeType(info.schema, id.typename));
        // The plugin's resolveNodes loads `args.ids` whatever it is passed (plugin-relay 4.8.1),
        // so the list of known IDs is put there for this one call.
        args.ids = known;
        const loaded = await resolveNodes(known);
        return ids.map((id) => {
          const index = known.indexOf(id);
          return index >= 0 ? loaded[index] : null;
        });
      },
    },
    idFieldOptions: { description: 'The opaque global ID of this object.' },
    firstArgOptions: { description: 'Page size when paging forward (1-100, default 20).' },
    afterArgOptions: { description: 'Returns the items after this cursor.' },
    lastArgOptions: { description: 'Page size when paging backward (1-100).' },
    beforeArgOptions: { description: 'Returns the items before this cursor.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    pageInfoFieldOptions: { description: 'Cursors and whether more items exist either way.' },
    cursorFieldOptions: { description: 'An opaque cursor pointing at this item, for `after` or `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    hasNextPageFieldOptions: { description: 'Whether items exist after this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items exist before this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first item of this page.' },
    endCursorFieldOptions: { description: 'The cursor of the last item of this page.' },
    defaultConnectionTypeOptions: { description: 'A page of a list, with cursors to page through the rest.' },
    defaultEdgeTypeOptions: { description: 'An item of a list with its cursor.' },
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JSONResolver, { description: 'Any JSON value.' });
builder.addScalarType('Decimal', DecimalScalar);

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list holds with the same filter, across all pages.',
    resolve: (connection) => connection.totalCount(),
  }),
);

builder.queryType({ description: 'Everything that can be read.' });
builder.subscriptionType({
  description: 'Events of your master account, pushed over Server-Sent Events on /graphql as they happen.',
});
builder.mutationType({
  description:
    'Everything that can be changed. Each mutation takes one `input` and returns a union of its success type and the errors a client can fix. Mutations other than signUp, logIn, completeLogIn and logOut need a token with the WRITE scope.',
});
