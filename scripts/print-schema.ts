import { writeFileSync } from 'node:fs';
import { printSchemaFile, schemaFile } from '../server/schema/print.js';

writeFileSync(schemaFile, printSchemaFile());
process.stdout.write(`wrote ${schemaFile}\n`);
