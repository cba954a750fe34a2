/** Port checks done before anything starts, so a taken port is named instead of one service dying later. */
import { readFileSync } from 'node:fs';
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

/** The lowest port the OS hands out for port 0 (Linux's ip_local_port_range; its default elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 11_000) return low;
  } catch {
    // Not Linux: the IANA range's start is below every system's default.
  }
  return 32_768;
}

/**
 * A free port for a server that stops and must get its port back (an operator that comes back,
 * an instance restarted in place): one below the OS's ephemeral range, which no listener on port 0
 * — another test running at the same time — is ever given, so nobody takes it while it is down.
 * `freePort`'s port could be (EADDRINUSE on the restart, seen in CI).
 */
export async function stablePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (!(await isPortInUse(port))) return port;
  }
  throw new Error(`no free port between 10000 and ${low}`);
}
