/** `npm run gen:api`: writes web/src/api/generated/schema.ts from the main API's code (no server, no database). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { generateApiSchemaSource, SCHEMA_FILE } from './api-schema.js';

const source = await generateApiSchemaSource();
await mkdir(dirname(SCHEMA_FILE), { recursive: true });
await writeFile(SCHEMA_FILE, source);
console.log(`wrote ${relative(process.cwd(), SCHEMA_FILE)} (${source.split('\n').length} lines)`);
