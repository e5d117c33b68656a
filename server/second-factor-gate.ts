import { getOperationAST, GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { SecondFactorRequiredError } from './domain/errors.js';
import { secondFactorMissing } from './domain/second-factor.js';

/** A field allowed with everything under it (true), or with only the fields named. */
type Allowed = true | { readonly [field: string]: Allowed };

const ALIAS: Allowed = { id: true, address: true, createdAt: true };

/**
 * What a session may ask for while the owner's policy requires a second factor its user has not
 * confirmed: who it is (the user's own fields, not the objects they lead to) and the account's
 * policy, enrolment and confirmation, and logging out. A list of what is allowed, so a field added
 * later is refused until it is entered here.
 */
const WHILE_MISSING: Readonly<Record<'query' | 'mutation' | 'subscription', Allowed>> = {
  query: {
    __schema: true,
    __type: true,
    viewer: {
      scopes: true,
      secondFactorMissing: true,
      user: {
        id: true,
        address: true,
        displayName: true,
        kind: true,
        plan: true,
        pendingPlan: true,
        status: true,
        role: true,
        paidThrough: true,
        createdAt: true,
        aliasLimit: true,
        storageQuotaBytes: true,
        listMembers: true,
        secondFactor: true,
        suspendedAt: true,
        suspensionReason: true,
        aliases: ALIAS,
      },
      masterAccount: { id: true, name: true, consoleAccess: true, secondFactorPolicy: true },
    },
  },
  mutation: { enrollSecondFactor: true, confirmSecondFactor: true, logOut: true },
  subscription: {},
};

/** Whether every field of `selections` (through fragments, skipped or not) is allowed. */
function allowed(selections: readonly SelectionNode[], rule: Allowed, fragments: ReadonlyMap<string, FragmentDefinitionNode>): boolean {
  if (rule === true) return true;
  return selections.every((selection) => {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__typename') return true;
      const inner = rule[name];
      return inner !== undefined && (!selection.selectionSet || allowed(selection.selectionSet.selections, inner, fragments));
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    return fragment !== undefined && allowed(fragment.selectionSet.selections, rule, fragments);
  });
}

function allowedWhileMissing(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return allowed(operation.selectionSet.selections, WHILE_MISSING[operation.operation], fragments);
}

/**
 * Enforces the owner's second-factor policy, in one place for queries, mutations and
 * subscriptions: a session whose user the policy covers and who has no confirmed factor gets
 * SECOND_FACTOR_REQUIRED for any operation that asks for more than WHILE_MISSING, before a
 * resolver runs. Every other request pays one check of what its token lookup brought (the viewer
 * and the account's policy); the document is looked at only for such a session.
 */
export function useSecondFactorGate(): Plugin<Context> {
  const gate = ({ args, setResultAndStopExecution }: {
    args: { contextValue: unknown; document: DocumentNode; operationName?: string | null };
    setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void;
  }) => {
    const { viewer, secondFactorPolicy } = args.contextValue as Context;
    if (!viewer || !secondFactorPolicy || !secondFactorMissing(viewer, secondFactorPolicy)) return;
    if (allowedWhileMissing(args.document, args.operationName)) return;
    const error = new SecondFactorRequiredError();
    setResultAndStopExecution({ errors: [new GraphQLError(error.message, { originalError: error })] });
  };
  return { onExecute: gate, onSubscribe: gate };
}
