/**
 * One declaration per endpoint does three jobs: it validates the request, types the handler's
 * input, and documents the endpoint in `/openapi.json`. There is no second, hand-kept copy.
 *
 *   api.endpoint({
 *     method: 'get', path: '/shops/{id}', tag: 'Shops', summary: 'One shop', access: 'user',
 *     params: IdParams, responses: { 200: { description: 'The shop', schema: Shop } },
 *   }, async (ctx, { params }) => { ctx.body = presentShop(await shops.get(db, principal, params.id)); });
 */
import { extendZodWithOpenApi, OpenAPIRegistry, type RouteConfig, type ZodContentObject } from '@asteasolutions/zod-to-openapi';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z, type ZodType } from 'zod';
import type { Principal } from '../auth/principal.js';
import { type ErrorDetail, ForbiddenError, ValidationError } from '../errors.js';
import { jsonBody } from './json-body.js';

// The generator needs zod's `.openapi()` for parameters; schemas themselves use zod's own `.meta()`.
extendZodWithOpenApi(z);

/** `public`: anyone; `user`: any signed-in user (staff are then scoped by the service); `admin`: admins only. */
export type Access = 'public' | 'user' | 'admin';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schema = ZodType | undefined;
type Output<S extends Schema> = S extends ZodType ? z.output<S> : undefined;

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  contentType?: string;
}

/**
 * How an endpoint reads its request body. `json`: parsed by the router (the default when `body`
 * is declared); `raw`: left unread, the handler reads `ctx.req` itself with its own limits and
 * formats (the import). An endpoint with neither never reads a body: one sent is ignored.
 */
export type BodyKind = 'json' | 'raw';

export interface EndpointSpec<P extends Schema, Q extends Schema, B extends Schema> {
  method: Method;
  /** OpenAPI style: `/shops/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /**
   * The operation's name in `/openapi.json` and in the generated web client. Default: derived
   * from method and path (`GET /shops/{id}` → `getShopsById`), so it is unique by construction.
   */
  operationId?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Default: `json` when `body` is given, else no body is read. */
  bodyKind?: BodyKind;
  /** A JSON body's limit (larger → 413); default: the router's `jsonBodyLimitBytes`. */
  bodyLimitBytes?: number;
  /** A `raw` body's content types, for `/openapi.json` (a `json` one is documented from `body`). */
  rawBodyContent?: ZodContentObject;
  /**
   * This endpoint's own guards: run after authentication and the body parser, before validation
   * and the handler (the sign-in brute-force guard, which reads the username from the body).
   */
  middleware?: Middleware[];
  responses: Record<number, ResponseSpec>;
}

export interface AppState {
  principal?: Principal;
}

export type ApiContext = Context & { state: AppState };

export interface EndpointInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: Output<P>;
  query: Output<Q>;
  body: Output<B>;
  /** Present on every endpoint whose access is not `public`. */
  principal: Principal;
}

export type EndpointHandler<P extends Schema, Q extends Schema, B extends Schema> = (
  ctx: ApiContext,
  input: EndpointInput<P, Q, B>,
) => Promise<void> | void;

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z
        .array(
          z
            .object({
              field: z.string().optional(),
              reason: z.string().meta({ description: 'What is wrong, in English (for API users and logs)' }),
              code: z.string().optional().meta({
                description:
                  'Stable code of the reason (too_small, invalid_type, not_in_enum, iccid.check_digit, file.truncated, …): a client translates it',
              }),
              params: z
                .record(z.string(), z.union([z.string(), z.number()]))
                .optional()
                .meta({ description: 'Values the reason names (min, max, expected, allowed, line, …)' }),
            })
            .loose(),
        )
        .optional(),
    }),
  })
  .meta({ id: 'Error' });

type Params = Record<string, string | number>;

/** A zod value (a bound, an enum option, a literal) as a param a client can put in a sentence. */
function paramValue(value: unknown): string | number {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * One zod issue → the stable `code` and `params` of its detail (docs/conventions.md), so a client
 * says it in the person's language; the English `reason` stays zod's (or the rule's) message.
 * A rule of ours (ICCID, MSISDN) gives its own code through the custom issue's
 * `params: { code, params }`.
 */
export function issueCode(issue: z.core.$ZodIssue): { code: string; params?: Params } {
  switch (issue.code) {
    case 'invalid_type':
      // zod 4 keeps no input in the issue; its message says a missing value was `undefined`.
      if (/received undefined$/.test(issue.message)) return { code: 'required' };
      return { code: 'invalid_type', params: { expected: issue.expected } };
    case 'too_small':
    case 'too_big': {
      const params: Params = { origin: issue.origin };
      if (issue.code === 'too_small') params.min = paramValue(issue.minimum);
      else params.max = paramValue(issue.maximum);
      if (issue.inclusive === false) params.exclusive = 1;
      return { code: issue.code, params };
    }
    case 'invalid_format':
      return { code: 'invalid_format', params: { format: issue.format } };
    case 'not_multiple_of':
      return { code: 'not_multiple_of', params: { divisor: paramValue(issue.divisor) } };
    case 'invalid_value':
      if (issue.values.length === 1) return { code: 'invalid_value', params: { expected: paramValue(issue.values[0]) } };
      return { code: 'not_in_enum', params: { allowed: issue.values.map((v) => String(paramValue(v))).join(', ') } };
    case 'custom': {
      const own = issue.params as { code?: unknown; params?: unknown } | undefined;
      if (typeof own?.code === 'string') {
        const params = own.params && typeof own.params === 'object' ? (own.params as Params) : undefined;
        return params ? { code: own.code, params } : { code: own.code };
      }
      return { code: 'custom' };
    }
    default:
      // invalid_union, invalid_key, invalid_element (and unrecognized_keys, split per key by the caller).
      return { code: 'invalid_value' };
  }
}

/**
 * Zod issues → the error body's `details` (docs/conventions.md): one entry per bad field, naming
 * it, with the English `reason` and a stable `code` and `params` (issueCode).
 */
export function issuesToDetails(error: z.ZodError, location: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        details.push({
          field: base ? `${base}.${key}` : key,
          reason: 'is not an accepted field',
          code: 'unrecognized_key',
          params: { key },
          in: location,
        });
    } else {
      details.push({ field: base || location, reason: issue.message, ...issueCode(issue), in: location });
    }
  }
  return details;
}

/**
 * The path of the first string (or key) holding U+0000, or null. PostgreSQL text cannot store
 * it (a 500 there, stored as-is by SQLite), so it is refused before any schema, on every dialect.
 * Iterative: a deeply nested body cannot overflow the stack.
 */
function findNulCharacter(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path;
    } else if (current && typeof current === 'object') {
      for (const [key, inner] of Object.entries(current)) {
        const innerPath = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return innerPath;
        stack.push([inner, innerPath]);
      }
    }
  }
  return null;
}

function parse<S extends Schema>(schema: S, value: unknown, location: string): Output<S> {
  if (!schema) return undefined as Output<S>;
  const nul = findNulCharacter(value);
  if (nul !== null) {
    const field = nul || location;
    throw new ValidationError(`Invalid request ${location}: ${field}: must not contain NUL (\\u0000) characters`, [
      { field, reason: 'must not contain NUL (\\u0000) characters', code: 'nul_character', in: location },
    ]);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error, location);
    const message = details.map((d) => `${d.field}: ${d.reason}`).join('; ');
    throw new ValidationError(`Invalid request ${location}: ${message}`, details);
  }
  return result.data as Output<S>;
}

export interface ApiRouterOptions {
  /** Sets `ctx.state.principal` or throws AuthenticationError. */
  authenticate: Middleware;
  /** The JSON body limit of endpoints that declare none of their own (`config.http.jsonBodyLimitBytes`). */
  jsonBodyLimitBytes: number;
  /** `authenticate` also accepts `X-API-Key` (the main API): documented as a second security scheme. */
  apiKeys?: boolean;
}

/** The body an endpoint reads, from its declaration; a contradictory one is a programming error. */
function bodyKindOf(spec: EndpointSpec<Schema, Schema, Schema>): BodyKind | null {
  const kind = spec.bodyKind ?? (spec.body ? 'json' : null);
  const name = `${spec.method.toUpperCase()} ${spec.path}`;
  if (kind === 'raw' && spec.body) throw new Error(`${name}: a raw body is read by the handler, so it cannot have a body schema`);
  if (kind !== 'json' && spec.bodyLimitBytes !== undefined) throw new Error(`${name}: bodyLimitBytes applies to a JSON body only`);
  if (kind !== 'raw' && spec.rawBodyContent) throw new Error(`${name}: rawBodyContent documents a raw body only`);
  return kind;
}

/** `GET /simcards/{id}/check-status` → `getSimcardsByIdCheckStatus`. */
export function operationIdOf(spec: Pick<EndpointSpec<Schema, Schema, Schema>, 'method' | 'path' | 'operationId'>): string {
  if (spec.operationId) return spec.operationId;
  const words = spec.path
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? ['by', ...param[1]!.split(/[-_]/)] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return spec.method + (words.length ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') : 'Root');
}

export class ApiRouter {
  readonly router = new Router();
  readonly registry = new OpenAPIRegistry();
  readonly endpoints: EndpointSpec<Schema, Schema, Schema>[] = [];

  constructor(private readonly options: ApiRouterOptions) {
    this.registry.register('Error', ErrorResponse);
    this.registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    if (options.apiKeys) {
      this.registry.registerComponent('securitySchemes', 'apiKeyAuth', {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key (admin → API keys); a `read` key may only GET. Send it or a bearer token, not both.',
      });
    }
  }

  endpoint<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(
    spec: EndpointSpec<P, Q, B>,
    handler: EndpointHandler<P, Q, B>,
  ): this {
    const kind = bodyKindOf(spec as EndpointSpec<Schema, Schema, Schema>);
    const bodyLimitBytes = spec.bodyLimitBytes ?? this.options.jsonBodyLimitBytes;
    this.endpoints.push(spec as EndpointSpec<Schema, Schema, Schema>);
    this.registry.registerPath(toRouteConfig(spec, kind === 'json' ? bodyLimitBytes : null, this.options.apiKeys === true));

    const chain: Middleware[] = [];
    if (spec.access !== 'public') chain.push(this.options.authenticate);
    // The steps below are not async functions: an async layer is one more promise on every
    // request; a throw is a rejection all the same (the router's compose catches it).
    if (spec.access === 'admin') {
      chain.push((ctx, next) => {
        if ((ctx.state as AppState).principal?.role !== 'admin') throw new ForbiddenError('Only admins may do this');
        return next();
      });
    }
    // The body is read only after authentication and the admin check: a client that may not call
    // the endpoint is refused (401/403) before any of its body is buffered, so an anonymous
    // client cannot make us hold up to the limit (4 MB on some endpoints) in memory per request.
    // The price: such a client learns nothing about its body (a 401, not a 400 for bad JSON).
    // Public endpoints with a body (sign-in) keep their limit small for the same reason.
    if (kind === 'json') chain.push(jsonBody(bodyLimitBytes));
    chain.push(...(spec.middleware ?? []));
    chain.push((ctx) => {
      const input = {
        params: parse(spec.params as P, ctx.params, 'path'),
        query: parse(spec.query as Q, ctx.query, 'query'),
        body: parse(spec.body as B, (ctx.request as { body?: unknown }).body, 'body'),
        principal: (ctx.state as AppState).principal as Principal,
      };
      return handler(ctx as ApiContext, input);
    });
    const koaPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router.register(koaPath, [spec.method.toUpperCase()], chain);
    return this;
  }

  /**
   * The router's middleware (`app.use(api.routes())`), as `router.routes()`. A table answering
   * exact parameterless paths ahead of the router saved ~2 µs a request, about 0.2% of the
   * list's CPU per request (2026-12-06), too little for re-implementing the router's dispatch.
   */
  routes(): Middleware {
    return this.router.routes() as unknown as Middleware;
  }
}

function toRouteConfig(spec: EndpointSpec<Schema, Schema, Schema>, jsonLimitBytes: number | null, apiKeys: boolean): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = r.schema
      ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
      : { description: r.description };
  }
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorResponse } } });
  if (spec.params || spec.query || spec.body) responses['400'] ??= error('Invalid request: the details name each bad field');
  if (spec.access !== 'public') responses['401'] ??= error('Missing, invalid, expired or revoked token');
  if (spec.access === 'admin') responses['403'] ??= error('Only admins may do this');
  if (spec.params) responses['404'] ??= error('Not found (or belongs to another shop)');
  if (jsonLimitBytes !== null) responses['413'] ??= error(`The body is over ${jsonLimitBytes.toLocaleString('en')} bytes`);
  if (jsonLimitBytes !== null) responses['415'] ??= error('The body is not JSON (Content-Type must be application/json)');
  responses['429'] ??= error('Rate limited: wait the seconds Retry-After gives (RateLimit-* headers describe the limit)');

  return {
    method: spec.method,
    path: spec.path,
    operationId: operationIdOf(spec),
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    // Either scheme: a signed-in user's token, or (where accepted) an API key.
    ...(spec.access !== 'public' ? { security: apiKeys ? [{ bearerAuth: [] }, { apiKeyAuth: [] }] : [{ bearerAuth: [] }] } : {}),
    ...(spec.access === 'admin' ? { 'x-access': 'admin' } : spec.access === 'user' ? { 'x-access': 'user' } : {}),
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      ...(spec.rawBodyContent ? { body: { required: true, content: spec.rawBodyContent } } : {}),
    },
    responses,
  };
}
