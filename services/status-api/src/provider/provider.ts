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
}

/** Why a check failed; the live endpoints map it to 504 (timeout) or 502 (everything else). */
export type ProviderFailure = 'provider_timeout' | 'provider_error' | 'provider_bad_answer' | 'provider_unavailable' | 'circuit_open';

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
