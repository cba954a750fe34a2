/**
 * An uploaded file handled once per `Idempotency-Key` (the SIM import and the operators'
 * activation reports): the body spooled to disk (or, small, held in memory) and described
 * (receiveImport), `work` run with the key's claim (none for a dry run: it writes nothing, the
 * key included), the answer — or the first answer, replayed — sent, and the spooled body removed
 * whatever happens.
 */
import type { Context } from 'koa';
import { type Idempotency, type KeyClaim, parseIdempotencyKey, type StoredAnswer } from '../../services/idempotency.js';
import { type ReceivedBody, receiveImport } from './request-source.js';

export interface UploadRequest {
  /** The key's scope: who asks, on which route. */
  userId: number;
  route: string;
  dryRun: boolean;
  /** `?file_name=`, else the upload's own name. */
  fileName: string | null;
  /** Rows read as text as the file holds them (a report's dates), not typed by the import's columns. */
  raw?: boolean;
  /**
   * `work` stores its answer with Idempotency.complete, which also takes a DeferredClaim: a body
   * held in memory then has its key claimed by the work's own transaction (Idempotency.onceWith).
   */
  claimInTransaction?: boolean;
}

export async function answerUpload(
  ctx: Context,
  idempotency: Idempotency,
  request: UploadRequest & { claimInTransaction?: false },
  work: (received: ReceivedBody, claim: number | null) => Promise<StoredAnswer>,
): Promise<void>;
export async function answerUpload(
  ctx: Context,
  idempotency: Idempotency,
  request: UploadRequest & { claimInTransaction: true },
  work: (received: ReceivedBody, claim: KeyClaim | null) => Promise<StoredAnswer>,
): Promise<void>;
export async function answerUpload(
  ctx: Context,
  idempotency: Idempotency,
  request: UploadRequest,
  // Either overload's: the claim handed over is a number unless claimInTransaction.
  work: (received: ReceivedBody, claim: never) => Promise<StoredAnswer>,
): Promise<void> {
  const key = parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined);
  const received = await receiveImport(ctx.req, ctx.querystring, request.fileName, request.raw);
  try {
    const scope = key !== null && !request.dryRun ? { userId: request.userId, route: request.route, key } : null;
    const deferred = request.claimInTransaction === true && received.inMemory;
    const answer = await idempotency.onceWith(scope, received.requestHash, deferred, (claim) => work(received, claim as never));
    if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = answer.status;
    ctx.body = answer.body;
  } finally {
    await received.dispose();
  }
}
