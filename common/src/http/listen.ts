/**
 * Listening, the same way for every service: the port (0: any free one), the timeouts that keep
 * a slow client from holding a connection forever, and a close that does not wait for clients
 * which never hang up (event streams, requests a simulator chose not to answer).
 */
import type { Server } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';

/**
 * How long a kept-alive connection may sit idle before we close it (Node's default, said out
 * loud): a proxy in front must close its idle upstream connections sooner (deploy/nginx.conf:
 * `keepalive_timeout 4s`), so that it is never the one writing a request on a connection we are
 * closing at that instant — a write lost that way is a 502 nginx does not retry.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export interface Listening {
  server: Server;
  port: number;
  url: string;
  /**
   * Stops accepting connections without cutting kept-alive ones: from now on every response
   * says `Connection: close`, idle connections are left for the peer (or the keep-alive timeout)
   * to close, and this resolves once none is left. `http.Server.close()` would close idle
   * connections at once, racing a proxy that just picked one for a write (a 502 on a rolling
   * restart). Bounded by the caller's shutdown timeout; close() then drops whatever is left.
   */
  stopAccepting(): Promise<void>;
  /** Stops accepting, drops open connections, resolves once the server is closed. */
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  /** Default 60 s: an upload of the largest import on a slow line. */
  requestTimeoutMs?: number;
}

export async function listen(server: Server, port: number, { host, requestTimeoutMs = 60_000 }: ListenOptions = {}): Promise<Listening> {
  server.headersTimeout = 15_000;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let draining = false;
  // Before the app's own handler, which may answer at once.
  server.prependListener('request', (_req, res) => {
    if (draining) res.setHeader('connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    // A wildcard (HOST=0.0.0.0 or ::) is reached locally through loopback; an IPv6 host needs brackets.
    url: `http://${!host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${actual}`,
    stopAccepting() {
      draining = true;
      // net.Server's close, not http.Server's: stop listening, leave the connections be.
      return new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
