import { readFileSync } from 'node:fs';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../server/schema/index.js';
import { printSchemaFile, schemaFile } from '../server/schema/print.js';

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(printSchemaFile());
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    const check = (path: string, description: string | null | undefined) => {
      if (!description?.trim()) missing.push(path);
    };
    const ownTypes = Object.values(schema.getTypeMap()).filter(
      (type: GraphQLNamedType) => !type.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name),
    );
    for (const type of ownTypes) {
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
      } else if (isEnumType(type)) {
        for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
      }
    }
    expect(missing).toEqual([]);
  });
});
