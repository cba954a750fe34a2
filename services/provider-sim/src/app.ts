/**
 * The simulated operator over HTTP. Plain node:http rather than Koa: the simulator must never be
 * the bottleneck of a benchmark, and it has one hot route and a handful of control routes.
 *
 *   GET  /simcards/{iccid}        the provider contract (docs/conventions.md), bearer token required
 *   PUT  /_sim/simcards/{iccid}   set one SIM {status, msisdn?, activated_at?}
 *   GET|PUT /_sim/config          latency (per call or per SIM), error/timeout/garbage/429/hanging-body/
 *                                 reset rates, Retry-After, sales per minute
 *   GET  /_sim/stats              what it has answered, calls per second of the clock, calls in flight
 *   POST /_sim/reset              forget everything
 *   POST /batch/status            the `batch-v1` gateway shape (X-Api-Key, {"iccids": [...]} →
 *                                 {"items": [{"icc", "state", "phone", "activated"}]}), same SIMs
 *   GET  /health
 *
 * Several operators at once (issue 15): every route above also answers under
 * `/operators/{operator}/…`, each operator with its own SIMs, settings and stats (created on first
 * use), e.g. PROVIDER_UCELL_URL=http://127.0.0.1:9030/operators/ucell.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseIccid } from '@simcard/common';
import type { z } from 'zod';
import { OperatorStates, SimConfig, SimRecordBody, type SimulatorState } from './state.js';

const MAX_BODY_BYTES = 64 * 1024;

class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway words of `batch-v1` for our statuses. */
const BATCH_WORDS = { active: 'ACTIVE', inactive: 'IDLE', blocked: 'SUSPENDED', not_found: 'UNKNOWN_ICC' } as const;
const MAX_BATCH = 1000;
const OPERATOR_PATH = /^\/operators\/([a-z0-9][a-z0-9_-]{1,31})(\/.*)$/;

export function createHandler(defaultState: SimulatorState, token: string, operators: OperatorStates = new OperatorStates()) {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const keyed = (req: IncomingMessage) => {
    const given = Buffer.from(String(req.headers['x-api-key'] ?? ''));
    const key = Buffer.from(token);
    return given.length === key.length && timingSafeEqual(given, key);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fullPath = (req.url ?? '/').split('?', 1)[0]!;
    const method = req.method ?? 'GET';
    if (fullPath === '/health' && method === 'GET') return send(res, 200, { status: 'ok' });
    const prefixed = OPERATOR_PATH.exec(fullPath);
    const state = prefixed ? operators.get(prefixed[1]!) : defaultState;
    const path = prefixed ? prefixed[2]! : fullPath;

    if (path === '/batch/status' && method === 'POST') {
      state.callArrived(res);
      if (!keyed(req)) {
        state.stats.answered.unauthorized++;
        throw new ClientError(401, 'unauthorized', 'A valid X-Api-Key is required');
      }
      return answerBatch(state, await readJson(req), res);
    }

    const contract = /^\/simcards\/([^/]+)$/.exec(path);
    if (contract && method === 'GET') {
      state.callArrived(res);
      if (!authorized(req)) {
        state.stats.answered.unauthorized++;
        throw new ClientError(401, 'unauthorized', 'A valid bearer token is required');
      }
      return answerContract(state, decodePathPart(contract[1]!), res);
    }

    if (!path.startsWith('/_sim/')) throw new ClientError(404, 'not_found', 'No such route');
    if (!authorized(req)) throw new ClientError(401, 'unauthorized', 'A valid bearer token is required');

    const control = /^\/_sim\/simcards\/([^/]+)$/.exec(path);
    if (control && method === 'PUT') {
      const iccid = wellFormed(decodePathPart(control[1]!));
      const body = parse(SimRecordBody, await readJson(req));
      state.set(iccid, { status: body.status, msisdn: body.msisdn ?? null, activatedAt: body.activated_at ?? null });
      return send(res, 200, { iccid, ...body });
    }
    if (path === '/_sim/config' && method === 'GET') return send(res, 200, state.config);
    if (path === '/_sim/config' && method === 'PUT') {
      const config = parse(SimConfig, await readJson(req));
      if (config.latency_max_ms !== undefined && config.latency_max_ms < config.latency_ms) {
        throw new ClientError(400, 'validation_error', 'latency_max_ms must be at least latency_ms');
      }
      state.config = config;
      return send(res, 200, state.config);
    }
    if (path === '/_sim/stats' && method === 'GET') return send(res, 200, state.snapshotStats());
    if (path === '/_sim/reset' && method === 'POST') {
      state.reset();
      return send(res, 200, { reset: true });
    }
    throw new ClientError(404, 'not_found', 'No such route');
  }

  /** `batch-v1`: one call for many SIMs; the faults apply to the call. */
  async function answerBatch(state: SimulatorState, body: unknown, res: ServerResponse): Promise<void> {
    const iccids = (body as { iccids?: unknown } | null)?.iccids;
    if (!Array.isArray(iccids) || iccids.length === 0 || iccids.length > MAX_BATCH || !iccids.every((i) => typeof i === 'string')) {
      throw new ClientError(400, 'validation_error', `iccids: 1 to ${MAX_BATCH} strings`);
    }
    const faulted = await callFault(state, res, Math.random(), {
      rateLimited: { error: 'too many requests' },
      failed: { error: 'gateway failure' },
    });
    if (faulted) return;
    if (Math.random() < state.config.garbage_rate) {
      state.stats.answered.garbage++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items": [{"icc": ');
      return;
    }
    const items = (iccids as string[]).map((icc) => {
      const parsed = parseIccid(icc);
      const sim = parsed.ok ? state.lookup(parsed.value) : { status: 'not_found' as const, msisdn: null, activatedAt: null };
      if (sim.status === 'not_found') state.stats.answered.not_found++;
      else state.stats.answered.ok++;
      return {
        icc,
        state: BATCH_WORDS[sim.status],
        phone: sim.msisdn,
        activated: sim.activatedAt ? Math.floor(Date.parse(sim.activatedAt) / 1000) : null,
      };
    });
    return send(res, 200, { items });
  }

  async function answerContract(state: SimulatorState, raw: string, res: ServerResponse): Promise<void> {
    const iccid = wellFormed(raw);
    const { garbage_rate, hang_body_rate, latency_per_sim } = state.config;
    const faulted = await callFault(state, res, latency_per_sim ? stableFraction(iccid) : Math.random(), {
      rateLimited: { error: { code: 'rate_limited', message: 'Too many requests' } },
      failed: { error: { code: 'internal', message: 'Simulated operator failure' } },
    });
    if (faulted) return;
    if (Math.random() < hang_body_rate) {
      // Headers and the start of a body, then nothing: only a total deadline ends this call.
      state.stats.answered.hung_body++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"iccid": "${iccid}", `);
      return;
    }
    if (Math.random() < garbage_rate) {
      state.stats.answered.garbage++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"iccid": "' + iccid + '", "status": act');
      return;
    }
    const sim = state.lookup(iccid);
    if (sim.status === 'not_found') {
      state.stats.answered.not_found++;
      return send(res, 404, { error: { code: 'not_found', message: 'Unknown ICCID' } });
    }
    state.stats.answered.ok++;
    return send(res, 200, { iccid, status: sim.status, msisdn: sim.msisdn, activated_at: sim.activatedAt });
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof ClientError) send(res, err.status, { error: { code: err.code, message: err.message } });
      else send(res, 500, { error: { code: 'internal', message: 'Simulator error' } });
    });
  };
}

/**
 * The faults every contract shares, applied to one call: its latency (`latencyFraction` of the
 * configured spread), then a reset, a call never answered, a 429 or a 500 (with the contract's
 * own bodies). Answers whether the call was taken by one of them.
 */
async function callFault(
  state: SimulatorState,
  res: ServerResponse,
  latencyFraction: number,
  bodies: { rateLimited: unknown; failed: unknown },
): Promise<boolean> {
  const { latency_ms, latency_max_ms, timeout_rate, error_rate, rate_limit_rate, retry_after_s, reset_rate } = state.config;
  const latency = latency_ms + latencyFraction * (latency_max_ms === undefined ? 0 : latency_max_ms - latency_ms);
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  if (Math.random() < reset_rate) {
    // Torn down mid-call: the client sees a reset connection, not an HTTP answer.
    state.stats.answered.reset++;
    res.socket?.destroy();
    return true;
  }
  if (Math.random() < timeout_rate) {
    // Never answered: the connection stays open until the client gives up.
    state.stats.answered.timeout++;
    return true;
  }
  if (Math.random() < rate_limit_rate) {
    state.stats.answered.rate_limited++;
    if (!res.headersSent) {
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retry_after_s) })
        .end(JSON.stringify(bodies.rateLimited));
    }
    return true;
  }
  if (Math.random() < error_rate) {
    state.stats.answered.error++;
    send(res, 500, bodies.failed);
    return true;
  }
  return false;
}

/** A number in [0, 1) fixed for an ICCID: the same SIM is always as slow. */
export function stableFraction(iccid: string): number {
  let hash = 2166136261;
  for (let i = 0; i < iccid.length; i++) hash = Math.imul(hash ^ iccid.charCodeAt(i), 16777619) >>> 0;
  return hash / 2 ** 32;
}

/** A path segment as text; a malformed %-escape is the client's error, not the simulator's. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ClientError(400, 'invalid_path', 'The path holds a malformed %-escape');
  }
}

function wellFormed(iccid: string): string {
  const parsed = parseIccid(iccid);
  if (!parsed.ok) throw new ClientError(400, 'invalid_iccid', `iccid: ${parsed.reason}`);
  return parsed.value;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ClientError(400, 'validation_error', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ClientError(413, 'payload_too_large', `Body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ClientError(400, 'malformed_json', 'Body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
