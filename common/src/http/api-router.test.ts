/**
 * Request bodies as each endpoint declares them: JSON parsed only where a body is declared, only
 * after authentication (and the admin check), with the endpoint's own limit; a raw body left to
 * its handler; no body read where none is declared. Over real HTTP, on an ephemeral port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'koa';
import Koa from 'koa';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { AuthenticationError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { ApiRouter, type AppState, operationIdOf } from './api-router.js';
import { errorHandler } from './error-handler.js';
import { buildOpenApiDocument } from './openapi.js';

const DEFAULT_LIMIT = 1000;
const OWN_LIMIT = 3000;

const principal = (role: 'admin' | 'staff'): Principal => ({
  userId: role === 'admin' ? 1 : 2,
  username: role,
  role,
  shopId: role === 'admin' ? null : 7,
  jti: 'jti',
  expiresAt: new Date(Date.now() + 60_000),
});

/** What each step saw, in order: proves where in the chain the body was parsed. */
let seen: string[] = [];
const bodyState = (ctx: { request: unknown }) => ((ctx.request as { body?: unknown }).body === undefined ? 'unread' : 'parsed');

/** `Authorization: admin` or `staff`; anything else is a 401. */
const authenticate: Middleware<AppState> = async (ctx, next) => {
  seen.push(`auth:${bodyState(ctx)}`);
  const role = ctx.get('authorization');
  if (role !== 'admin' && role !== 'staff') throw new AuthenticationError('No token');
  ctx.state.principal = principal(role);
  await next();
};

const Named = z.strictObject({ name: z.string().min(1) });

function buildRouter(): ApiRouter {
  const api = new ApiRouter({ authenticate: authenticate as Middleware, jsonBodyLimitBytes: DEFAULT_LIMIT });
  const guard: Middleware = async (ctx, next) => {
    seen.push(`guard:${bodyState(ctx)}:${(ctx.state as AppState).principal?.username ?? 'nobody'}`);
    if ((ctx.request as { body?: { name?: unknown } }).body?.name === 'stop') throw new AuthenticationError('Stopped by the guard');
    await next();
  };
  const echo = (label: string) => ({ description: label });
  return api
    .endpoint(
      {
        method: 'post',
        path: '/named',
        tag: 'T',
        summary: 'JSON, default limit',
        access: 'user',
        body: Named,
        responses: { 200: echo('ok') },
      },
      (ctx, { body }) => {
        ctx.body = { name: body.name };
      },
    )
    .endpoint(
      {
        method: 'post',
        path: '/big',
        tag: 'T',
        summary: 'JSON, own limit, own guard',
        access: 'admin',
        body: Named,
        bodyLimitBytes: OWN_LIMIT,
        middleware: [guard],
        responses: { 200: echo('ok') },
      },
      (ctx, { body }) => {
        seen.push('handler');
        ctx.body = { length: body.name.length };
      },
    )
    .endpoint(
      { method: 'post', path: '/nobody', tag: 'T', summary: 'No body', access: 'public', responses: { 200: echo('ok') } },
      (ctx) => {
        ctx.body = { body: bodyState(ctx), unread: !ctx.req.readableEnded };
      },
    )
    .endpoint(
      {
        method: 'post',
        path: '/raw',
        tag: 'T',
        summary: 'Raw',
        access: 'user',
        bodyKind: 'raw',
        rawBodyContent: { 'text/csv': { schema: { type: 'string' } } },
        responses: { 200: echo('ok') },
      },
      async (ctx) => {
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
        ctx.body = { body: bodyState(ctx), bytes: Buffer.concat(chunks).length };
      },
    );
}

let server: Server;
let url: string;
let api: ApiRouter;

beforeAll(async () => {
  api = buildRouter();
  const app = new Koa();
  app.silent = true;
  app.use(errorHandler(silentLogger)).use(api.routes()).use(api.router.allowedMethods());
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
});

async function send(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** `{"name":"xxx…"}` of exactly `bytes` bytes. */
const nameOfSize = (bytes: number) => `{"name":"${'x'.repeat(bytes - 11)}"}`;

describe('a declared JSON body', () => {
  test('is parsed after authentication, not before: an anonymous over-limit body is a 401, and authentication saw it unread', async () => {
    const res = await send('/named', nameOfSize(DEFAULT_LIMIT * 10));
    expect(res.status).toBe(401);
    expect(seen).toEqual(['auth:unread']);
  });

  test('a non-admin on an admin endpoint is refused (403) before its body is read', async () => {
    const res = await send('/big', nameOfSize(OWN_LIMIT * 10), { authorization: 'staff' });
    expect(res.status).toBe(403);
  });

  test('the router default limit applies where the endpoint names none: one byte over is a 413, at the limit it is read', async () => {
    const over = await send('/named', nameOfSize(DEFAULT_LIMIT + 1), { authorization: 'staff' });
    expect({ status: over.status, code: over.body.error.code }).toEqual({ status: 413, code: 'payload_too_large' });
    const at = await send('/named', nameOfSize(DEFAULT_LIMIT), { authorization: 'staff' });
    expect(at.status).toBe(200);
  });

  test("an endpoint's own limit replaces the default: above the default is read, one byte over its own is a 413", async () => {
    const within = await send('/big', nameOfSize(OWN_LIMIT), { authorization: 'admin' });
    expect(within).toEqual({ status: 200, body: { length: OWN_LIMIT - 11 } });
    const over = await send('/big', nameOfSize(OWN_LIMIT + 1), { authorization: 'admin' });
    expect({ status: over.status, code: over.body.error.code }).toEqual({ status: 413, code: 'payload_too_large' });
  });

  test('malformed JSON is a 400 malformed_json', async () => {
    const res = await send('/named', '{"name":', { authorization: 'staff' });
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: 'malformed_json' });
  });

  test("the endpoint's middleware runs after authentication and the parser, before the handler, and can refuse", async () => {
    expect((await send('/big', '{"name":"go"}', { authorization: 'admin' })).status).toBe(200);
    expect(seen).toEqual(['auth:unread', 'guard:parsed:admin', 'handler']);
    seen = [];
    expect((await send('/big', '{"name":"stop"}', { authorization: 'admin' })).status).toBe(401);
    expect(seen).toEqual(['auth:unread', 'guard:parsed:admin']);
  });
});

describe('endpoints that declare no JSON body', () => {
  test('one that reads no body ignores one sent, even malformed or over the limit', async () => {
    for (const body of ['{"name":', nameOfSize(DEFAULT_LIMIT * 5)]) {
      const res = await send('/nobody', body);
      expect(res).toEqual({ status: 200, body: { body: 'unread', unread: true } });
    }
  });

  test('a raw one gets the whole body from ctx.req, past the JSON limit, unparsed', async () => {
    const res = await send('/raw', nameOfSize(DEFAULT_LIMIT * 5), { authorization: 'staff' });
    expect(res).toEqual({ status: 200, body: { body: 'unread', bytes: DEFAULT_LIMIT * 5 } });
  });
});

describe('declarations', () => {
  const base = { method: 'post' as const, tag: 'T', summary: 's', access: 'public' as const, responses: { 200: { description: 'ok' } } };
  const fresh = () => new ApiRouter({ authenticate: authenticate as Middleware, jsonBodyLimitBytes: DEFAULT_LIMIT });

  test.each([
    ['a raw body with a body schema', { path: '/a', bodyKind: 'raw' as const, body: Named }, /cannot have a body schema/],
    ['a limit on an endpoint that reads no JSON', { path: '/b', bodyLimitBytes: 10 }, /JSON body only/],
    ['a limit on a raw body', { path: '/c', bodyKind: 'raw' as const, bodyLimitBytes: 10 }, /JSON body only/],
    [
      'raw content types on a JSON body',
      { path: '/d', body: Named, rawBodyContent: { 'text/csv': { schema: { type: 'string' as const } } } },
      /raw body only/,
    ],
  ])('%s is refused when the endpoint is declared', (_, spec, message) => {
    expect(() => fresh().endpoint({ ...base, ...spec }, () => {})).toThrow(message);
  });

  test('/openapi.json gives each JSON endpoint its 413 with its limit, and a raw endpoint its content types', () => {
    const doc = buildOpenApiDocument(api, { title: 't', version: '1', description: 'd' }) as {
      paths: Record<
        string,
        { post: { responses: Record<string, { description: string }>; requestBody?: { content: Record<string, unknown> } } }
      >;
    };
    expect(doc.paths['/named']!.post.responses['413']!.description).toContain('1,000 bytes');
    expect(doc.paths['/big']!.post.responses['413']!.description).toContain('3,000 bytes');
    expect(doc.paths['/nobody']!.post.responses['413']).toBeUndefined();
    expect(doc.paths['/nobody']!.post.requestBody).toBeUndefined();
    expect(Object.keys(doc.paths['/raw']!.post.requestBody!.content)).toEqual(['text/csv']);
    expect(Object.keys(doc.paths['/named']!.post.requestBody!.content)).toEqual(['application/json']);
  });

  test('each operation is named from its method and path unless it names itself', () => {
    expect(operationIdOf({ method: 'get', path: '/shops/{id}' })).toBe('getShopsById');
    expect(operationIdOf({ method: 'post', path: '/check-runs/{id}/cancel' })).toBe('postCheckRunsByIdCancel');
    expect(operationIdOf({ method: 'get', path: '/' })).toBe('getRoot');
    expect(operationIdOf({ method: 'get', path: '/shops', operationId: 'listShops' })).toBe('listShops');
    const doc = buildOpenApiDocument(api, { title: 't', version: '1', description: 'd' }) as {
      paths: Record<string, { post: { operationId: string } }>;
    };
    expect(doc.paths['/named']!.post.operationId).toBe('postNamed');
  });

  test('X-API-Key is a documented security scheme only where the router accepts keys', () => {
    type Doc = { components: { securitySchemes: Record<string, unknown> }; paths: Record<string, { post: { security?: unknown } }> };
    const withKeys = new ApiRouter({ authenticate: authenticate as Middleware, jsonBodyLimitBytes: DEFAULT_LIMIT, apiKeys: true });
    withKeys.endpoint({ ...base, path: '/k', access: 'user' }, () => {});
    const keyed = buildOpenApiDocument(withKeys, { title: 't', version: '1', description: 'd' }) as Doc;
    expect(keyed.components.securitySchemes.apiKeyAuth).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    );
    expect(keyed.paths['/k']!.post.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
    const plain = buildOpenApiDocument(api, { title: 't', version: '1', description: 'd' }) as Doc;
    expect(plain.components.securitySchemes.apiKeyAuth).toBeUndefined();
    expect(plain.paths['/named']!.post.security).toEqual([{ bearerAuth: [] }]);
  });
});
