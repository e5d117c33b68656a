import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed documents for the SDK, from the committed schema and the SDK's own operations. */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'sdk/src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // ESM under NodeNext resolution needs explicit .js extensions in relative imports.
        emitLegacyCommonJSImports: false,
        // Documents as typed strings: the SDK sends them as they are and needs no graphql runtime.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
