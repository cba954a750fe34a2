/**
 * The simulated operator over HTTP. Plain node:http rather than Koa: the simulator must never be
 * the bottleneck of a benchmark, and it has one hot route and a handful of control routes.
 *
 *   GET  /simcards/{iccid}        the provider contract (SPEC), bearer token required
 *   PUT  /_sim/simcards/{iccid}   set one SIM {status, msisdn?, activated_at?}
 *   GET|PUT /_sim/config          latency, error/timeout/garbage rates, sales per minute
 *   GET  /_sim/stats              what it has answered
 *   POST /_sim/reset              forget everything
 *   GET  /health
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseIccid } from '@simcard/common';
import type { z } from 'zod';
import { SimConfig, SimRecordBody, type SimulatorState } from './state.js';

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

export function createHandler(state: SimulatorState, token: string) {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const method = req.method ?? 'GET';
    if (path === '/health' && method === 'GET') return send(res, 200, { status: 'ok' });

    const contract = /^\/simcards\/([^/]+)$/.exec(path);
    if (contract && method === 'GET') {
      state.stats.requests++;
      if (!authorized(req)) {
        state.stats.answered.unauthorized++;
        throw new ClientError(401, 'unauthorized', 'A valid bearer token is required');
      }
      return answerContract(decodePathPart(contract[1]!), res);
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

  async function answerContract(raw: string, res: ServerResponse): Promise<void> {
    const iccid = wellFormed(raw);
    const { latency_ms, latency_max_ms, timeout_rate, error_rate, garbage_rate } = state.config;
    const latency = latency_max_ms === undefined ? latency_ms : latency_ms + Math.random() * (latency_max_ms - latency_ms);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    if (Math.random() < timeout_rate) {
      // Never answered: the connection stays open until the client gives up.
      state.stats.answered.timeout++;
      return;
    }
    if (Math.random() < error_rate) {
      state.stats.answered.error++;
      return send(res, 500, { error: { code: 'internal', message: 'Simulated operator failure' } });
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
