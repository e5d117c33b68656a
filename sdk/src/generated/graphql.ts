/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A stable, machine-readable code for each kind of failure a client can handle. */
export type ErrorCode =
  /** The address is reserved (abuse@, postmaster@, hostmaster@, webmaster@). */
  | 'ADDRESS_RESERVED'
  /** The address is used by another account or alias, or was released less than 30 days ago. */
  | 'ADDRESS_TAKEN'
  /** The address is on a domain that is not a verified domain of your master account. */
  | 'DOMAIN_NOT_VERIFIED'
  /** Your role does not allow this, or the object (such as the owner) is protected. */
  | 'FORBIDDEN'
  /** The address or the password is wrong. */
  | 'INVALID_CREDENTIALS'
  /** No such object exists in your master account (objects of others read the same). */
  | 'NOT_FOUND'
  /** The admin console needs the owner's plan to be ENTRY or PRO. */
  | 'UPGRADE_REQUIRED'
  /** An input field is missing, malformed or out of range; `field` names it. */
  | 'VALIDATION';

/** The credentials of a person. */
export type LogInInput = {
  /** The primary address, in any case. */
  address: string;
  /** The password. */
  password: string;
};

/** The subscription of a user account; prices and limits are in `planPrices`. */
export type Plan =
  /** The entry paid plan (2.50 EUR per 30 days by default). */
  | 'ENTRY'
  /** No charge; no aliases, 500 MB, and no admin console for an owner. */
  | 'FREE'
  /** The full paid plan (7.50 EUR per 30 days by default). */
  | 'PRO';

/** A new master account and its owner. */
export type SignUpInput = {
  /** The name of the organization or family (1-100 characters). */
  organizationName: string;
  /** The owner's address on the provider's domain, such as "ada@mailadmin.test". */
  ownerAddress: string;
  /** The owner's display name (1-100 characters). */
  ownerDisplayName: string;
  /** The owner's password: at least 10 characters. */
  password: string;
  /** The owner's plan; the admin console needs ENTRY or PRO (the owner's plan is not paid from the deposit). */
  plan: Plan;
};

/** What a token may do. */
export type TokenScope =
  /** Move money: add deposits and change billing settings. */
  | 'BILLING'
  /** Run queries. */
  | 'READ'
  /** Run mutations (besides reading, which needs READ). */
  | 'WRITE';

/** A user's powers inside the master account. */
export type UserRole =
  /** Does everything the owner does, except deleting the owner or the master account. */
  | 'ADMIN'
  /** Uses their own account; may change their own name and password. */
  | 'MEMBER'
  /** The administrator who owns the master account; exactly one per master account. */
  | 'OWNER';

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp:
    | { __typename: 'AddressReservedError', code: ErrorCode, message: string }
    | { __typename: 'AddressTakenError', code: ErrorCode, message: string }
    | { __typename: 'DomainNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'SignUpSuccess', token: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, field: string }
   };

export type LogInMutationVariables = Exact<{
  input: LogInInput;
}>;


export type LogInMutation = { logIn:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'LogInSuccess', token: string }
   };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { scopes: Array<TokenScope>, user: { id: string, address: string, displayName: string, plan: Plan, role: UserRole }, masterAccount: { id: string, name: string, consoleAccess: boolean } } | null };


export const SignUpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SignUp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SignUpInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signUp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SignUpSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}}]}}]}}]}}]} as unknown as DocumentNode<SignUpMutation, SignUpMutationVariables>;
export const LogInDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"LogIn"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LogInInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logIn"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LogInSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<LogInMutation, LogInMutationVariables>;
export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"masterAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"consoleAccess"}}]}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;