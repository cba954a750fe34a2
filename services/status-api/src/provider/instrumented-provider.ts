/**
 * Metrics around any provider adapter, without touching it: the latency of each check (retries
 * included) by outcome, failures by kind, and the circuit breaker's state when the adapter has
 * one. The adapter's own behaviour is unchanged.
 */
import type { ServiceMetrics } from '@simcard/common';
import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';
import { ProviderError, type ProviderAnswer, type StatusProvider } from './provider.js';

const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half_open'];

export interface InstrumentedProvider extends StatusProvider {
  /** The breaker's state, or null for an adapter without one. */
  breakerState(): BreakerState | null;
}

export function instrumentProvider(provider: StatusProvider, metrics: ServiceMetrics): InstrumentedProvider {
  const breaker = (provider as { breaker?: CircuitBreaker }).breaker;
  const duration = metrics.histogram('provider_check_duration_seconds', 'Operator checks, retries included, by outcome', ['outcome']);
  const failures = metrics.counter('provider_check_failures_total', 'Operator checks that failed, by kind', ['failure']);
  metrics.gauge('provider_breaker_state', 'The operator circuit breaker: 1 for its current state', ['state'], (set) => {
    if (!breaker) return;
    const current = breaker.state;
    for (const state of BREAKER_STATES) set({ state }, state === current ? 1 : 0);
  });

  return {
    async check(iccid: string): Promise<ProviderAnswer> {
      const end = duration.startTimer();
      try {
        const answer = await provider.check(iccid);
        end({ outcome: answer.status });
        return answer;
      } catch (err) {
        const failure = err instanceof ProviderError ? err.failure : 'provider_error';
        end({ outcome: failure });
        failures.inc({ failure });
        throw err;
      }
    },
    close: () => provider.close(),
    breakerState: () => breaker?.state ?? null,
  };
}
