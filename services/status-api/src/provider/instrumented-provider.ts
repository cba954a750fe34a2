/**
 * Metrics around provider adapters, without touching them: the latency of each check (retries
 * included) by operator and outcome, failures by operator and kind, and each circuit breaker's
 * state when the adapter has one. The adapters' own behaviour is unchanged. The metrics are
 * registered once per registry (`ProviderMetrics`), and each operator's adapter is wrapped with
 * its `operator` label (`*` for the one provider of PROVIDER_URL).
 */
import type { ServiceMetrics } from '@simcard/common';
import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';
import { type ProviderAnswer, ProviderError, type StatusProvider } from './provider.js';

const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half_open'];

export interface InstrumentedProvider extends StatusProvider {
  /** The breaker's state, or null for an adapter without one. */
  breakerState(): BreakerState | null;
}

export class ProviderMetrics {
  readonly #duration;
  readonly #failures;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(metrics: ServiceMetrics) {
    this.#duration = metrics.histogram('provider_check_duration_seconds', 'Operator checks, retries included, by operator and outcome', [
      'operator',
      'outcome',
    ]);
    this.#failures = metrics.counter('provider_check_failures_total', 'Operator checks that failed, by operator and kind', [
      'operator',
      'failure',
    ]);
    metrics.gauge('provider_breaker_state', "Each operator's circuit breaker: 1 for its current state", ['operator', 'state'], (set) => {
      for (const [operator, breaker] of this.#breakers) {
        const current = breaker.state;
        for (const state of BREAKER_STATES) set({ operator, state }, state === current ? 1 : 0);
      }
    });
  }

  instrument(provider: StatusProvider, operator: string): InstrumentedProvider {
    const breaker = (provider as { breaker?: CircuitBreaker }).breaker;
    if (breaker) this.#breakers.set(operator, breaker);
    const duration = this.#duration;
    const failures = this.#failures;
    return {
      async check(iccid: string): Promise<ProviderAnswer> {
        const end = duration.startTimer({ operator });
        try {
          const answer = await provider.check(iccid);
          end({ outcome: answer.status });
          return answer;
        } catch (err) {
          const failure = err instanceof ProviderError ? err.failure : 'provider_error';
          end({ outcome: failure });
          failures.inc({ operator, failure });
          throw err;
        }
      },
      close: () => provider.close(),
      health: provider.health,
      breakerState: () => breaker?.state ?? null,
    };
  }
}

/** One adapter with its metrics (operator `*`). */
export function instrumentProvider(provider: StatusProvider, metrics: ServiceMetrics): InstrumentedProvider {
  return new ProviderMetrics(metrics).instrument(provider, '*');
}
