/**
 * What the status API needs from an operator: the status of one SIM. The HTTP adapter for the
 * provider contract is one implementation; a real operator's API is one more file like it.
 */
export type ProviderStatus = 'inactive' | 'active' | 'blocked' | 'not_found';

export interface ProviderAnswer {
  status: ProviderStatus;
  msisdn: string | null;
  activatedAt: string | null;
  /** Time from request to answer, retries included. */
  responseMs: number;
}

export interface StatusProvider {
  check(iccid: string): Promise<ProviderAnswer>;
  close(): Promise<void>;
  /** How the operator is doing, for runs, alerts and /health; absent for an adapter that cannot tell. */
  readonly health?: ProviderHealth;
}

/** What an adapter with a circuit breaker knows about an outage. */
export interface ProviderHealth {
  /** Since when (ms since the epoch) every call has failed; null while the operator answers. */
  failingSince(): number | null;
  /** Since when the breaker has been open (or half-open) without closing; null while closed. */
  downSince(): number | null;
  /** Resolves once a call may be tried (the breaker closed, or its probe decided). */
  whenCallable(): Promise<void>;
}

/**
 * Why a check failed; the live endpoints map it to 504 (timeout) or 502 (everything else).
 * `circuit_open` (the call was not made) and `provider_rate_limited` (the operator asked us to
 * slow down) say nothing about the SIM: a run tries such a SIM again instead of logging an error.
 */
export type ProviderFailure =
  'provider_timeout' | 'provider_error' | 'provider_bad_answer' | 'provider_unavailable' | 'provider_rate_limited' | 'circuit_open';

/** Failures that are not the SIM's: the operator was not asked, or asked us to come back later. */
export function isDeferral(failure: ProviderFailure): boolean {
  return failure === 'circuit_open' || failure === 'provider_rate_limited';
}

export class ProviderError extends Error {
  override name = 'ProviderError';

  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly responseMs: number,
  ) {
    super(message);
  }
}
