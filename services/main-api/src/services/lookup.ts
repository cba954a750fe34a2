/** Which of a list of ICCIDs the dealer holds (an integrator's question before an import). */
import { parseIccid } from '@simcard/common';
import { type Db, lookupRepository } from '@simcard/db';

export const MAX_LOOKUP = 10_000;

export interface LookupResult {
  held: lookupRepository.HeldSimRow[];
  not_held: string[];
  invalid: { input: string; reason: string }[];
}

export class LookupService {
  constructor(private readonly db: Db) {}

  /** Inputs are normalized as the import does (spaces and dashes dropped); each distinct ICCID is answered once. */
  async lookup(inputs: readonly string[]): Promise<LookupResult> {
    const valid = new Set<string>();
    const invalid: LookupResult['invalid'] = [];
    for (const input of inputs) {
      const r = parseIccid(input);
      if (r.ok) valid.add(r.value);
      else invalid.push({ input, reason: r.reason });
    }
    const held = await lookupRepository.held(this.db, [...valid], null);
    const found = new Set(held.map((h) => h.iccid));
    held.sort((a, b) => (a.iccid < b.iccid ? -1 : a.iccid > b.iccid ? 1 : 0));
    return { held, not_held: [...valid].filter((i) => !found.has(i)), invalid };
  }
}
