import { loadConfig } from '../config.js';
import { clientAddress, proxyTrust } from './client-ip.js';

const trust = (setting: string) => proxyTrust(loadConfig({ TRUST_PROXY: setting }).http.trustProxy);

describe('the client address behind our proxy', () => {
  test('by default a loopback peer is our proxy: the address it appended is the client', () => {
    const t = proxyTrust(loadConfig({}).http.trustProxy);
    expect(clientAddress('127.0.0.1', '198.51.100.7', t)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:127.0.0.1', '198.51.100.7', t)).toBe('198.51.100.7');
    expect(clientAddress('::1', '2001:db8::5', t)).toBe('2001:db8::5');
    // What the client wrote first is not believed: the right-most untrusted hop is.
    expect(clientAddress('127.0.0.1', '10.0.0.1, 203.0.113.9', t)).toBe('203.0.113.9');
    // Without the header, the peer itself.
    expect(clientAddress('127.0.0.1', '', t)).toBe('127.0.0.1');
  });

  test('a peer that is not our proxy is the client, whatever X-Forwarded-For says', () => {
    const t = proxyTrust(loadConfig({}).http.trustProxy);
    expect(clientAddress('192.0.2.50', '198.51.100.7', t)).toBe('192.0.2.50');
    expect(clientAddress('::ffff:192.0.2.50', '127.0.0.1', t)).toBe('::ffff:192.0.2.50');
  });

  test('TRUST_PROXY lists proxies by address or CIDR; a chain of trusted proxies is walked back', () => {
    const t = trust('loopback,10.0.0.0/8');
    expect(clientAddress('10.1.2.3', '198.51.100.7, 10.9.9.9', t)).toBe('198.51.100.7');
    expect(clientAddress('10.1.2.3', 'garbage, 198.51.100.8', t)).toBe('198.51.100.8');
    expect(clientAddress('192.0.2.1', '198.51.100.7', t)).toBe('192.0.2.1');
  });

  test('TRUST_PROXY=false believes nobody; true believes every peer', () => {
    expect(clientAddress('127.0.0.1', '198.51.100.7', trust('false'))).toBe('127.0.0.1');
    expect(clientAddress('192.0.2.1', '198.51.100.7', trust('true'))).toBe('198.51.100.7');
  });

  test('a bad TRUST_PROXY or HOST stops start-up naming it', () => {
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/^TRUST_PROXY: /);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow(/^TRUST_PROXY: /);
    expect(() => loadConfig({ HOST: 'everywhere' })).toThrow(/^HOST: /);
  });

  test('services listen on loopback unless HOST opens them; shutdown is bounded at 10 s; 5 streams per user', () => {
    const config = loadConfig({});
    expect(config.http.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    expect(config.http.shutdownTimeoutMs).toBe(10_000);
    expect(config.events.maxStreamsPerUser).toBe(5);
    expect(config.limits.health.max / config.limits.health.windowSeconds).toBeGreaterThanOrEqual(4);
  });
});
