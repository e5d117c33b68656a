/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    __typename\n    ... on SignUpSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation LogIn($input: LogInInput!) {\n  logIn(input: $input) {\n    __typename\n    ... on LogInSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": typeof types.SignUpDocument,
    "query Viewer {\n  viewer {\n    scopes\n    user {\n      id\n      address\n      displayName\n      plan\n      role\n    }\n    masterAccount {\n      id\n      name\n      consoleAccess\n    }\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    __typename\n    ... on SignUpSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation LogIn($input: LogInInput!) {\n  logIn(input: $input) {\n    __typename\n    ... on LogInSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": types.SignUpDocument,
    "query Viewer {\n  viewer {\n    scopes\n    user {\n      id\n      address\n      displayName\n      plan\n      role\n    }\n    masterAccount {\n      id\n      name\n      consoleAccess\n    }\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    __typename\n    ... on SignUpSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation LogIn($input: LogInInput!) {\n  logIn(input: $input) {\n    __typename\n    ... on LogInSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    __typename\n    ... on SignUpSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation LogIn($input: LogInInput!) {\n  logIn(input: $input) {\n    __typename\n    ... on LogInSuccess {\n      token\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    scopes\n    user {\n      id\n      address\n      displayName\n      plan\n      role\n    }\n    masterAccount {\n      id\n      name\n      consoleAccess\n    }\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    scopes\n    user {\n      id\n      address\n      displayName\n      plan\n      role\n    }\n    masterAccount {\n      id\n      name\n      consoleAccess\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;