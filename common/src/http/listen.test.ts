/**
 * A draining server leaves kept-alive connections for the peer to close: a proxy that picked an
 * idle connection for a write at the moment we stopped must get an answer, not a reset (nginx
 * answers 502 and never retries a POST — a rolling restart would lose writes).
 */
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listen } from './listen.js';

/** One HTTP/1.1 request on a raw socket; resolves with the raw response head and body. */
function request(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString();
      if (/\r\n\r\n[^]*done$/.test(data)) {
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
  });
}

describe('a draining server', () => {
  test('keeps an idle kept-alive connection open and answers a request on it with Connection: close', async () => {
    const listening = await listen(
      createServer((_req, res) => res.end('done')),
      0,
      { host: '127.0.0.1' },
    );
    const socket = connect(listening.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let socketClosed = false;
    socket.once('close', () => (socketClosed = true));
    try {
      expect(await request(socket, '/before')).toMatch(/^HTTP\/1\.1 200[^]*keep-alive/i);

      let drained = false;
      const draining = listening.stopAccepting().then(() => (drained = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Not cut while idle: the peer may be writing on it right now.
      expect(socketClosed).toBe(false);
      expect(drained).toBe(false);
      // New connections are refused.
      await expect(
        new Promise((resolve, reject) => connect(listening.port, '127.0.0.1').once('connect', resolve).once('error', reject)),
      ).rejects.toThrow(/ECONNREFUSED/);

      const during = await request(socket, '/during');
      expect(during).toMatch(/^HTTP\/1\.1 200/);
      expect(during).toMatch(/\r\nconnection: close\r\n/i);
      await draining; // resolves once the server's side of the connection is gone
      await new Promise((resolve) => (socketClosed ? resolve(undefined) : socket.once('close', resolve)));
      expect(socketClosed).toBe(true);
    } finally {
      socket.destroy();
      await listening.close();
    }
  });
});
