// The typed documents generated from schema.graphql and sdk/operations; the client over them is
// built in its own issue.
export * from './generated/index.js';
