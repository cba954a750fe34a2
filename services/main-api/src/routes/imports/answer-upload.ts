/**
 * An uploaded file handled once per `Idempotency-Key` (the SIM import and the operators'
 * activation reports): the body spooled to disk and described (receiveImport), `work` run with
 * the key's claim (none for a dry run: it writes nothing, the key included), the answer — or
 * the first answer, replayed — sent, and the spooled body removed whatever happens.
 */
import type { Context } from 'koa';
import { type Idempotency, parseIdempotencyKey, type StoredAnswer } from '../../services/idempotency.js';
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
}

export async function answerUpload(
  ctx: Context,
  idempotency: Idempotency,
  request: UploadRequest,
  work: (received: ReceivedBody, claim: number | null) => Promise<StoredAnswer>,
): Promise<void> {
  const key = parseIdempotencyKey(ctx.get('Idempotency-Key') || undefined);
  const received = await receiveImport(ctx.req, ctx.querystring, request.fileName, request.raw);
  try {
    const scope = key !== null && !request.dryRun ? { userId: request.userId, route: request.route, key } : null;
    const answer = await idempotency.once(scope, received.requestHash, (claim) => work(received, claim));
    if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = answer.status;
    ctx.body = answer.body;
  } finally {
    await received.dispose();
  }
}
