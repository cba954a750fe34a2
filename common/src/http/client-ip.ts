/**
 * Who the client is, as an address: the one thing the anonymous and sign-in rate limits key on.
 *
 * `X-Forwarded-For` is believed only when the direct peer is one of our own proxies (by default a
 * loopback peer: the web app's vite proxy and a production proxy on the same machine; the
 * services bind 127.0.0.1 by default, so nothing else can be a loopback peer). Then the client is
 * the right-most address in the header that is not itself a trusted proxy — what our proxy
 * appended, never what a client wrote first. A peer we do not trust is the client, whatever its
 * headers say. Without this, every browser behind the web app's proxy shared one address: one
 * phone's failed sign-ins locked every user out.
 */
import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { TrustProxy } from '../config.js';

/** Answers whether an address is one of our proxies. */
export type ProxyTrust = (address: string) => boolean;

const LOOPBACK: readonly string[] = ['127.0.0.0/8', '::1/128'];

export function proxyTrust(setting: TrustProxy): ProxyTrust {
  if (setting.all) return () => true;
  const list = new BlockList();
  for (const entry of setting.ranges.flatMap((r) => (r === 'loopback' ? LOOPBACK : [r]))) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    // BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 rules too.
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The client's address for a direct peer and its X-Forwarded-For header (empty when absent). */
export function clientAddress(peer: string, forwardedFor: string, trusted: ProxyTrust): string {
  if (!forwardedFor || !trusted(peer)) return peer;
  const hops = forwardedFor
    .split(',')
    .map((s) => s.trim())
    .filter((s) => isIP(s) !== 0);
  // Walk back from our proxy: each trusted hop vouches for the one before it.
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

/**
 * Sets `ctx.ip` (koa's own X-Forwarded-For handling stays off: `app.proxy` is false). Not an
 * async function: it only passes the request on (each async layer is a promise per request).
 */
export function clientIp(trusted: ProxyTrust): Middleware {
  return (ctx, next) => {
    ctx.request.ip = clientAddress(ctx.socket.remoteAddress ?? '', ctx.get('x-forwarded-for'), trusted);
    return next();
  };
}
