/**
 * Alerts to the people outside the admin's browser tab (issue 12): `check_run.failed`,
 * `provider.down` (the breaker open longer than ALERT_PROVIDER_DOWN_MIN), `provider.recovered`
 * and `data.stale` (no completed run for longer than the freshness threshold), through the same
 * signed webhooks and Telegram chat as sales, via the same outbox.
 *
 * Once per episode, never per SIM: a run fails once (its alert is queued by the transaction that
 * ends it), and the provider and data alerts are queued only by whoever moves their
 * `alert_states` row (up → down, down → up, fresh → stale), so two status API processes seeing
 * one outage send one alert.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Config, dataFreshness, type Logger, longestAutoCheckIntervalMin } from '@simcard/common';
import {
  type CheckRunRow,
  checkRunsRepository,
  type Db,
  notificationDeliveriesRepository as outbox,
  type Queryable,
  toIso,
  writeTransaction,
} from '@simcard/db';
import type { ProviderHealth } from '../provider/provider.js';
import { type AlertFacts, type AlertKind, alertMessage } from './telegram.js';

/** The providers to watch: the one for all, or each operator's (issue 15: an alert per operator). */
export type WatchedProviders = ProviderHealth | undefined | Array<{ operator: string; health: ProviderHealth | undefined }>;

/** An operator's row in alert_states (`provider` for the one provider of all; names are at most 32 characters). */
function stateName(operator: string | null): string {
  if (operator === null) return 'provider';
  const name = `provider:${operator}`;
  return name.length <= 32 ? name : `provider:${operator.slice(0, 14)}~${createHash('sha256').update(operator).digest('hex').slice(0, 8)}`;
}

export interface AlertsOptions {
  /** How often the breaker and the data's age are looked at (default 5 s). */
  intervalMs?: number;
}

/** What Telegram's delivery of an alert holds: the text, rendered when the alert was raised. */
export interface TelegramAlert {
  alert: AlertKind;
  text: string;
}

export class Alerts {
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  /** Each provider's alert state as this process last knew it (absent: not read yet). */
  #provider = new Map<string, 'up' | 'down'>();
  #data: 'fresh' | 'stale' | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'notifications' | 'alerts' | 'time' | 'checks' | 'providers'>,
    private readonly log: Logger,
    /** Called after an alert is queued: the dispatcher sends it soon. */
    private readonly queued: () => void = () => {},
  ) {}

  /** Queues an alert's deliveries in `trx`. */
  async enqueue(trx: Queryable, kind: AlertKind, data: Record<string, unknown>, facts: AlertFacts): Promise<void> {
    const at = new Date().toISOString();
    const n = this.config.notifications;
    const deliveries: outbox.NewDelivery[] = n.webhookUrls.map((url) => ({
      channel: 'webhook',
      target: url,
      event: kind,
      simcard_id: null,
      payload: JSON.stringify({ id: randomUUID(), event: kind, created_at: at, data }),
    }));
    if (n.telegram) {
      const alert: TelegramAlert = { alert: kind, text: alertMessage(kind, facts, this.config.alerts.language, this.config.time.zone) };
      deliveries.push({ channel: 'telegram', target: n.telegram.chatId, event: kind, simcard_id: null, payload: JSON.stringify(alert) });
    }
    await outbox.enqueue(trx, deliveries);
    this.log.warn(`alert ${kind}`, data);
  }

  /** For CheckRuns: in the transaction that ends the run `failed`. */
  async runFailed(trx: Queryable, run: CheckRunRow): Promise<void> {
    const facts = { id: run.id, done: run.done, total: run.total, errors: run.errors, reason: run.error_message };
    await this.enqueue(
      trx,
      'check_run.failed',
      {
        check_run: {
          ...facts,
          changed: run.changed,
          trigger: run.trigger,
          started_at: toIso(run.started_at),
          finished_at: toIso(run.finished_at),
        },
      },
      { run: facts },
    );
    this.queued();
  }

  /** Watches the operator's breaker and the data's age every `intervalMs`. */
  start(health: WatchedProviders, options: AlertsOptions = {}): void {
    const tick = () => {
      if (this.#tick) return;
      this.#tick = this.check(health)
        .catch((err: unknown) => this.log.warn('alert check failed', { error: (err as Error).message }))
        .finally(() => (this.#tick = null));
    };
    this.#timer = setInterval(tick, options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#tick;
  }

  /** One look: queues provider.down / provider.recovered / data.stale when an episode starts or ends. */
  async check(health: WatchedProviders): Promise<void> {
    const watched = Array.isArray(health) ? health : [{ operator: null, health }];
    for (const w of watched) if (w.health) await this.#checkProvider(w.health, w.operator);
    await this.#checkData();
  }

  /** One provider: `operator` null for the one provider of all (alert data without an operator, as before). */
  async #checkProvider(health: ProviderHealth, operator: string | null): Promise<void> {
    const name = stateName(operator);
    let state = this.#provider.get(name);
    if (!state) {
      state = (await outbox.alertState(this.db, name, 'up')) as 'up' | 'down';
      this.#provider.set(name, state);
    }
    const named = operator === null ? {} : { operator };
    const downSince = health.downSince();
    const thresholdMs = this.config.alerts.providerDownMin * 60_000;
    if (state === 'up' && downSince !== null && Date.now() - downSince >= thresholdMs) {
      const since = new Date(downSince).toISOString();
      await this.#move(
        name,
        'up',
        'down',
        'provider.down',
        { provider: { ...named, breaker: 'open', down_since: since } },
        { ...named, downSince: since },
      );
      this.#provider.set(name, 'down');
    } else if (state === 'down' && downSince === null) {
      const row = (await this.db('alert_states').where({ name }).first('since')) as { since: string | Date } | undefined;
      const since = toIso(row?.since ?? null) ?? new Date().toISOString();
      const minutes = Math.round(((Date.now() - Date.parse(since)) / 60_000) * 10) / 10;
      await this.#move(
        name,
        'down',
        'up',
        'provider.recovered',
        { provider: { ...named, breaker: 'closed', down_since: since, down_minutes: minutes } },
        { ...named, downSince: since, downMinutes: minutes },
      );
      this.#provider.set(name, 'up');
    }
  }

  async #checkData(): Promise<void> {
    // The longest interval of the scheduled runs (AUTO_CHECK_INTERVAL_MIN and each operator's own):
    // the data is stale when no run completed for twice the time the least frequent schedule leaves.
    const interval = longestAutoCheckIntervalMin(this.config.providers, this.config.checks.autoCheckIntervalMin);
    if (interval <= 0) return; // nothing is expected to refresh the data
    const last = await checkRunsRepository.lastCompletedAt(this.db);
    const stale = dataFreshness(last, interval).data_stale === true;
    this.#data ??= (await outbox.alertState(this.db, 'data', 'fresh')) as 'fresh' | 'stale';
    if (stale && this.#data === 'fresh') {
      const at = last ? last.toISOString() : null;
      await this.#move(
        'data',
        'fresh',
        'stale',
        'data.stale',
        { data: { last_check_run_at: at, threshold_minutes: 2 * interval } },
        { lastCompletedAt: at },
      );
      this.#data = 'stale';
    } else if (!stale && this.#data === 'stale') {
      // Fresh again: no message (the next stale episode is alerted again).
      await writeTransaction(this.db, (trx) => outbox.moveAlertState(trx, 'data', 'fresh', 'stale', 'fresh'));
      this.#data = 'fresh';
    }
  }

  /** Moves the state and, if this process moved it, queues the alert in the same transaction. */
  async #move(name: string, from: string, to: string, kind: AlertKind, data: Record<string, unknown>, facts: AlertFacts): Promise<void> {
    const moved = await writeTransaction(this.db, async (trx) => {
      if (!(await outbox.moveAlertState(trx, name, name.startsWith('provider') ? 'up' : 'fresh', from, to))) return false;
      await this.enqueue(trx, kind, data, facts);
      return true;
    });
    if (moved) this.queued();
  }
}
