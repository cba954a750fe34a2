/**
 * The live feed as a client sees it: one open `GET /events` read as it arrives, and a sale
 * written straight into the log the feed reads, as the status API writes one.
 */
import { now } from '@simcard/common';
import type { TestApi } from './harness.js';

export interface StreamEvent {
  event: string;
  data: any;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EventStream {
  readonly events: StreamEvent[] = [];
  ended = false;
  status = 0;
  readonly #abort = new AbortController();

  /** Opens the stream with these headers (a bearer token or an API key). */
  static async open(api: TestApi, headers: Record<string, string>): Promise<EventStream> {
    const s = new EventStream();
    const res = await fetch(`${api.url}/events`, { headers, signal: s.#abort.signal });
    s.status = res.status;
    void s.#pump(res.body!);
    return s;
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) this.events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
  }

  /** The ICCIDs of the sales received, in order. */
  sold(): string[] {
    return this.events.filter((e) => e.event === 'simcard.sold').map((e) => e.data.simcard.iccid as string);
  }

  /** Resolves with the time it took for the server to end the stream; rejects after `withinMs`. */
  async endsWithin(withinMs: number): Promise<number> {
    const started = Date.now();
    while (!this.ended) {
      if (Date.now() - started > withinMs)
        throw new Error(`stream still open after ${withinMs} ms; events: ${JSON.stringify(this.events)}`);
      await sleep(25);
    }
    return Date.now() - started;
  }

  /** Until `iccid`'s sale has arrived (5 s at most). */
  async receives(iccid: string): Promise<void> {
    for (let i = 0; i < 200 && !this.sold().includes(iccid); i++) await sleep(25);
    expect(this.sold()).toContain(iccid);
  }

  close(): void {
    this.#abort.abort();
  }
}

/** The streams a suite opens, each expected to open (200), all closed by `closeAll` after each test. */
export class OpenStreams {
  readonly #open: EventStream[] = [];

  constructor(private readonly api: () => TestApi) {}

  async open(headers: Record<string, string>): Promise<EventStream> {
    const s = await EventStream.open(this.api(), headers);
    this.#open.push(s);
    expect(s.status).toBe(200);
    return s;
  }

  closeAll(): void {
    for (const s of this.#open.splice(0)) s.close();
  }
}

/** A sale of a SIM at `shopId` (a new one, or `sim` already there), logged as the status API logs one. */
export async function logSale(api: TestApi, shopId: number, sim?: { id: number; iccid: string }): Promise<string> {
  sim ??= (await api.createSimcard({ shop_id: shopId })) as { id: number; iccid: string };
  await api.db('simcards').where({ id: sim.id }).update({ status: 'sold', sold_at: now() });
  const row: Record<string, unknown> = {
    simcard_id: sim.id,
    iccid: sim.iccid,
    previous_status: 'assigned',
    new_status: 'sold',
    changed: true,
    source: 'manual',
    checked_at: now(),
  };
  if (await api.db.schema.hasColumn('status_check_logs', 'sale')) row['sale'] = true;
  await api.db('status_check_logs').insert(row);
  return sim.iccid;
}
