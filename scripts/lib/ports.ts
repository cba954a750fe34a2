/** Port checks done before anything starts, so a taken port is named instead of one service dying later. */
import { createServer } from 'node:net';

/**
 * True when something already listens on the port. Probes the wildcard address, which on Linux
 * conflicts with a listener on any single address (127.0.0.1, ::1 or a LAN address) as well.
 */
export function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(true);
      else reject(err);
    });
    probe.once('listening', () => probe.close(() => resolve(false)));
    probe.listen({ port, exclusive: true });
  });
}

/** A port the operating system says is free right now (for `PORT=0` and for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
