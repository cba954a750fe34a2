/**
 * Which provider checks a SIM (issue 15): its operator's own, from `config.providers`
 * (PROVIDER_<OP>_* or PROVIDERS_FILE), or the one provider for all (PROVIDER_URL, or an adapter a
 * test gives). Each operator's adapter has its own connections, rate limiter and circuit
 * breaker (see providers.ts), and its own concurrency for runs; with several workers on one
 * PostgreSQL (`cluster`), the rate and concurrency are the whole cluster's (operator-budget.ts). Its metrics carry its
 * `operator` label. A SIM whose operator has no provider has no route: it is skipped as
 * `no_provider`, never sent to another operator's API.
 */
import type { ProvidersConfig } from '@simcard/common';
import { type InstrumentedProvider, ProviderMetrics } from './instrumented-provider.js';
import type { ClusterOptions } from './operator-budget.js';
import type { StatusProvider } from './provider.js';
import { createProvider } from './providers.js';

export interface OperatorRoute {
  /** The operator's slug, or `*` for the one provider of all SIMs. */
  key: string;
  /** The adapter through its metrics. */
  provider: InstrumentedProvider;
  /** The adapter itself (its breaker, for tests and /health). */
  adapter: StatusProvider;
  /** Calls a run sends to this operator at once. */
  concurrency: number;
}

/** The `operator` a SIM is counted under when it has none. */
export const NO_OPERATOR = '';

export class ProviderRouting {
  readonly #routes: Map<string, OperatorRoute>;

  constructor(routes: OperatorRoute[]) {
    this.#routes = new Map(routes.map((r) => [r.key, r]));
  }

  /** One adapter for every SIM, whatever its operator (PROVIDER_URL alone: today's behaviour). */
  static single(adapter: StatusProvider, concurrency: number, metrics: ProviderMetrics): ProviderRouting {
    return new ProviderRouting([{ key: '*', provider: metrics.instrument(adapter, '*'), adapter, concurrency }]);
  }

  /** One adapter per configured operator, or the one for all when none is configured. */
  static fromConfig(
    config: ProvidersConfig,
    metrics: ProviderMetrics,
    breaker?: { failureThreshold: number; openMs: number },
    cluster?: ClusterOptions | null,
  ): ProviderRouting {
    const routes: OperatorRoute[] = [];
    for (const settings of [...Object.values(config.byOperator), ...(config.fallback ? [config.fallback] : [])]) {
      const adapter = createProvider(settings, breaker, cluster);
      routes.push({
        key: settings.operator,
        provider: metrics.instrument(adapter, settings.operator),
        adapter,
        concurrency: settings.concurrency,
      });
    }
    return new ProviderRouting(routes);
  }

  /** True when each operator has its own provider (a run checks each on its own lane). */
  get perOperator(): boolean {
    return !this.#routes.has('*');
  }

  /** The route of a SIM of `operator`; null: no provider for it (`no_provider`). */
  forOperator(operator: string | null): OperatorRoute | null {
    return this.#routes.get('*') ?? (operator ? (this.#routes.get(operator) ?? null) : null);
  }

  /** Every route, operators in name order (`*` alone when one provider serves all). */
  all(): OperatorRoute[] {
    return [...this.#routes.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The operators with a provider of their own (empty with one provider for all). */
  operators(): string[] {
    return this.perOperator ? this.all().map((r) => r.key) : [];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#routes.values()].map((r) => r.provider.close()));
  }
}
