/**
 * One adapter per configured operator (issue 15), from `config.providers`
 * (common/src/providers-config.ts): `json-v1` is today's HttpProvider, `batch-v1` the
 * BatchProvider. Each has its own pool, rate limiter and circuit breaker, so one operator's
 * outage or limit never touches another's. With `cluster` (PostgreSQL) each operator's rate and
 * concurrency are shared with the other workers on the database (operator-budget.ts). Routing a SIM to its operator's adapter (and skipping
 * it as `no_provider` when there is none) is `providerFor` + this map; wiring it into the check
 * loop is the next step (see the issue-15 notes).
 */
import type { ProvidersConfig, ProviderSettings } from '@simcard/common';
import { BatchProvider } from './batch-provider.js';
import { HttpProvider } from './http-provider.js';
import { type ClusterOptions, createOperatorBudget } from './operator-budget.js';
import type { StatusProvider } from './provider.js';

export function createProvider(
  settings: ProviderSettings,
  breaker?: { failureThreshold: number; openMs: number },
  cluster?: ClusterOptions | null,
): StatusProvider {
  const common = {
    url: settings.url,
    token: settings.token,
    timeoutMs: settings.timeoutMs,
    connections: settings.concurrency,
    rateLimitPerSecond: settings.rateLimitPerSecond,
    retries: settings.retries,
    breaker,
    budget: createOperatorBudget(settings, cluster),
  };
  switch (settings.kind) {
    case 'json-v1':
      return new HttpProvider(common);
    case 'batch-v1':
      return new BatchProvider({ ...common, batchSize: settings.batchSize });
  }
}

/** The adapters by operator slug (`*`: the one provider for all, when no operator is configured). */
export function createProviders(config: ProvidersConfig, cluster?: ClusterOptions | null): Map<string, StatusProvider> {
  const all = new Map<string, StatusProvider>();
  for (const [operator, settings] of Object.entries(config.byOperator)) all.set(operator, createProvider(settings, undefined, cluster));
  if (config.fallback) all.set('*', createProvider(config.fallback, undefined, cluster));
  return all;
}
