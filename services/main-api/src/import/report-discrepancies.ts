/**
 * What an operator's activation report can disagree with us about: the kinds of discrepancy a
 * dealer chases, and the codes (with their params) a client translates. No wording is part of
 * the contract; the English `reason` beside each is for API clients and the CSV.
 */
export const DISCREPANCY_KINDS = [
  'unknown_iccid',
  'activated_in_stock',
  'sold_on_other_date',
  'other_msisdn',
  'other_operator',
  'activated_before_assignment',
  'invalid_row',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/**
 * The codes of the report's own reasons, each with the `params` it carries (a discrepancy also
 * has its English `reason`, for API clients and the CSV). A row the import's rules refuse carries
 * validate-row's code instead (`iccid.length`, `price.not_whole`, …) and every field's problem in
 * `problems`. No wording is part of the contract: the web app translates these (uz, ru, en).
 */
export const DISCREPANCY_CODES = [
  /** unknown_iccid */
  'iccid.unknown',
  /** activated_in_stock */
  'simcard.in_stock',
  /** sold_on_other_date `{ ours, report }`: the dealer days (YYYY-MM-DD) of our sale and of the report's activation. */
  'sale.other_day',
  /** other_msisdn `{ ours, report }` */
  'msisdn.differs',
  /** other_operator `{ ours, report }`: our record's operator and the row's. */
  'operator.differs',
  /** other_operator `{ ours?, report, row }`: the row names `row`, the report was brought in as `report`'s (ours absent: no operator). */
  'operator.not_the_reports',
  /** activated_before_assignment `{ activated_at, assigned_at }` (ISO instants) */
  'sale.before_assignment',
  /** invalid_row `{ first_line }` */
  'iccid.repeated_in_file',
  /** invalid_row */
  'activated_at.missing',
  /** invalid_row `{ value }`: the cell as written (at most 40 characters). */
  'activated_at.not_date',
  /** invalid_row `{ value }` (31.02.2026, 24:00) */
  'activated_at.not_calendar_date',
  /** invalid_row `{ value }` */
  'activated_at.future',
  /** invalid_row `{ value, min_year }` */
  'activated_at.before_min_year',
] as const;
export type DiscrepancyCode = (typeof DISCREPANCY_CODES)[number];

/** A code's params: what a translation fills in. */
export type CodeParams = Record<string, string | number>;

export interface Discrepancy {
  line: number;
  iccid: string | null;
  kind: DiscrepancyKind;
  simcard_id: number | null;
  /** In English, for API clients and the CSV. */
  reason: string;
  /** Stable, for clients that translate: a DISCREPANCY_CODES code, or validate-row's for a row it refused. */
  code: string;
  params: CodeParams;
  /** A row validate-row refused: each field's problem (the first is `code`/`params`). */
  problems?: RowProblem[];
  report: Record<string, unknown>;
  ours: Record<string, unknown> | null;
}

/** A field's problem in a row the import's rules refuse (validate-row.ts). */
export interface RowProblem {
  field: string | null;
  reason: string;
  code?: string;
  params?: CodeParams;
}
