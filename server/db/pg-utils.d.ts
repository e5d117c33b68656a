/** pg's own encoder of statement parameters (pg/lib/utils.js), which @types/pg does not describe. */
declare module 'pg/lib/utils.js' {
  const utils: {
    /** A parameter as pg sends it in text format: null, a string, or a Buffer. */
    prepareValue(value: unknown): string | Buffer | null;
  };
  export default utils;
}

/** pg's result of one statement (pg/lib/result.js), built from the protocol's messages as pg's Query builds it. */
declare module 'pg/lib/result.js' {
  import type { CustomTypesConfig, FieldDef } from 'pg';
  export default class Result {
    constructor(rowMode: string | undefined, types: CustomTypesConfig | undefined);
    command: string | null;
    rowCount: number | null;
    rows: unknown[];
    fields: FieldDef[];
    addFields(fields: FieldDef[]): void;
    parseRow(values: (string | null)[]): unknown;
    addRow(row: unknown): void;
    addCommandComplete(message: { text: string }): void;
  }
}
