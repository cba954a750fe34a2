/**
 * Direct HTTP to the running stack, for what a journey needs to exist before the browser part
 * (another shop, a staff user) and for the simulated operator's control endpoints.
 */
import { appendCheckDigit } from '@simcard/common';
import type { Stack } from './stack.js';

export class StackApi {
  private constructor(
    private readonly stack: Stack,
    private readonly token: string,
  ) {}

  static async asAdmin(stack: Stack): Promise<StackApi> {
    const res = await fetch(`${stack.mainApi}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: stack.adminPassword }),
    });
    if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
    return new StackApi(stack, ((await res.json()) as { token: string }).token);
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.stack.mainApi}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createShop(name: string, code: string): Promise<{ id: number }> {
    return this.call('POST', '/shops', { name, code, city: 'Toshkent' });
  }

  createStaff(username: string, password: string, shopId: number): Promise<{ id: number }> {
    return this.call('POST', '/users', { username, password, role: 'staff', shop_id: shopId, full_name: username });
  }

  /** New SIMs in stock, then given to the shop. */
  async giveSimcards(shopId: number, iccids: string[]): Promise<void> {
    for (const iccid of iccids) await this.call('POST', '/simcards', { iccid });
    await this.call('POST', '/simcards/assign', { iccids, shop_id: shopId });
  }

  /** The simulated operator: `PUT /_sim/config` (latency, error rates, sales per minute). */
  simulatorConfig(config: {
    latency_ms: number;
    error_rate: number;
    timeout_rate: number;
    garbage_rate: number;
    sales_per_minute: number;
  }): Promise<void> {
    return this.simulator('PUT', '/_sim/config', config);
  }

  /** Makes the operator report this SIM as activated from now on. */
  simulatorActivate(iccid: string): Promise<void> {
    return this.simulator('PUT', `/_sim/simcards/${iccid}`, { status: 'active' });
  }

  private async simulator(method: string, path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.stack.provider}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.stack.providerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status} ${await res.text()}`);
  }
}

/** `count` valid, consecutive ICCIDs (19 digits, Luhn-correct) starting at a prefix unique to the caller. */
export function iccids(prefix: string, count: number, from = 1): string[] {
  const body = (n: number) => `89998${prefix}`.padEnd(18 - String(n).length, '0') + String(n);
  return Array.from({ length: count }, (_, i) => appendCheckDigit(body(from + i)));
}
