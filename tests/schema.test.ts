import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../server/schema/index.js';
import { printSchemaFile, schemaFile } from '../server/schema/print.js';

/** Every type, field, argument, input field, enum value and directive of ours without a description. */
function undescribed(target: GraphQLSchema): string[] {
  const missing: string[] = [];
  const check = (path: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(path);
  };
  const ownTypes = Object.values(target.getTypeMap()).filter((type) => !type.name.startsWith('__') && !isSpecifiedScalarType(type));
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
  for (const directive of target.getDirectives().filter((candidate) => !isSpecifiedDirective(candidate))) {
    check(`@${directive.name}`, directive.description);
    for (const arg of directive.args) check(`@${directive.name}(${arg.name})`, arg.description);
  }
  return missing;
}

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(printSchemaFile());
  });

  it('describes every type, field, argument, input field, enum value and directive', () => {
    expect(undescribed(schema)).toEqual([]);
  });

  it('would name each kind of thing left undescribed', () => {
    const bare = buildSchema(`
      "Described." type Query { "Described." things("Described." first: Int, after: String): [Thing] }
      type Thing { name: String }
      "Described." enum Kind { "Described." A B }
      "Described." input Filter { "Described." kind: Kind, name: String }
      "Described." interface Named { name: String }
      "Described." directive @tag("Described." name: String, weight: Int) on FIELD_DEFINITION
    `);
    expect(undescribed(bare).sort()).toEqual(
      ['Query.things(after)', 'Thing', 'Thing.name', 'Kind.B', 'Filter.name', 'Named.name', '@tag(weight)'].sort(),
    );
  });
});
