import { PassThrough } from 'node:stream';
import { type ApiRouter, credentialOf } from '@simcard/common';
import type { EventFeed } from '../../services/event-feed.js';

const HEARTBEAT_MS = 15_000;

/** Server-sent events: `simcard.sold` (staff: their shop's only) and `check_run` (admins). */
export function eventRoutes(api: ApiRouter, feed: EventFeed): void {
  api.endpoint(
    {
      method: 'get',
      path: '/events',
      tag: 'Events',
      summary: 'A live stream of sales and check-run progress (text/event-stream)',
      description:
        'Server-sent events. `event: simcard.sold` with `{"simcard": SimCard}` for each newly sold SIM (staff: their shop only), within about a second of the sale; `event: check_run` with the run whenever a running run moves (admins). The bearer token goes in the Authorization header (never in the URL, where logs would keep it); the stream ends when the token expires (`event: session_expired`), and within a few seconds of a sign-out, a deactivation, a move to another shop or a role change (`event: stream_ended` with `{"reason"}`: `signed_out`, `scope_changed`); each user (or API key) has at most EVENTS_MAX_STREAMS_PER_USER streams (default 5): opening another ends the oldest (`too_many_streams`).',
      access: 'user',
      responses: { 200: { description: 'The event stream', contentType: 'text/event-stream' } },
    },
    async (ctx, { principal }) => {
      const stream = new PassThrough();
      const unsubscribe = await feed.subscribe(
        principal,
        (event, data) => stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        {
          credential: credentialOf(ctx),
          end: (reason) => stream.end(`event: stream_ended\ndata: ${JSON.stringify({ reason })}\n\n`),
        },
      );
      const socket = ctx.req.socket;
      socket.setTimeout(0);
      socket.setNoDelay(true);
      socket.setKeepAlive(true);
      ctx.status = 200;
      ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
      ctx.body = stream;
      stream.write('retry: 2000\n\n');
      const heartbeat = setInterval(() => stream.write(': ping\n\n'), HEARTBEAT_MS);
      // setTimeout's delay is a 32-bit int: a longer one would fire at once.
      const untilExpiry = Math.min(Math.max(0, principal.expiresAt.getTime() - Date.now()), 2 ** 31 - 1);
      const expiry = setTimeout(() => stream.end('event: session_expired\ndata: {}\n\n'), untilExpiry);
      const stop = () => {
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe();
      };
      ctx.req.once('close', stop);
      stream.once('close', stop);
      stream.once('finish', stop);
    },
  );
}
