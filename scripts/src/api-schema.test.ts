/**
 * The contract between the main API and the web app: the committed generated types are what the
 * endpoint declarations produce now, and every operation has a unique operationId and says how
 * to authenticate.
 */
import { readFile } from 'node:fs/promises';
import { buildMainApiDocument } from '@simcard/main-api';
import { generateApiSchemaSource, SCHEMA_FILE } from './api-schema.js';

type Operation = { operationId?: string; security?: Record<string, string[]>[]; 'x-access'?: string };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
};

let document: Document;
beforeAll(async () => {
  document = (await buildMainApiDocument()) as Document;
});

function operations(): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

test('web/src/api/generated/schema.ts is current (run `npm run gen:api` after changing an endpoint)', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  const fresh = await generateApiSchemaSource(document);
  if (committed !== fresh) {
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    throw new Error(
      `web/src/api/generated/schema.ts is stale (first difference at line ${line + 1}: ${JSON.stringify(a[line])} vs ${JSON.stringify(b[line])}): run npm run gen:api`,
    );
  }
});

test('every operation has a unique operationId', () => {
  const seen = new Map<string, string>();
  for (const [name, op] of operations()) {
    expect({ name, operationId: op.operationId }).toEqual({ name, operationId: expect.stringMatching(/^[a-z][A-Za-z0-9]+$/) });
    expect({ operationId: op.operationId, alsoUsedBy: seen.get(op.operationId!) }).toEqual({
      operationId: op.operationId,
      alsoUsedBy: undefined,
    });
    seen.set(op.operationId!, name);
  }
  expect(seen.get('getShopsById')).toBe('GET /shops/{id}');
});

test('X-API-Key and bearer tokens are declared security schemes, and every non-public operation accepts either', () => {
  expect(document.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  const guarded = operations().filter(([, op]) => op['x-access'] !== undefined);
  expect(guarded.length).toBeGreaterThan(20);
  for (const [name, op] of guarded)
    expect({ name, security: op.security }).toEqual({ name, security: [{ bearerAuth: [] }, { apiKeyAuth: [] }] });
  const login = document.paths['/auth/login']!.post!;
  expect(login.security).toBeUndefined();
});
