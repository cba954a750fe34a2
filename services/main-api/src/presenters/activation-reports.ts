/** Activation reports and their discrepancies as the API answers them. */
import type { activationReportsRepository } from '@simcard/db';
import { toIso } from '@simcard/db';
import type { CodeParams, Discrepancy, DiscrepancyKind, RowProblem } from '../import/report-discrepancies.js';

export function presentDiscrepancy(d: Discrepancy) {
  return {
    line: d.line,
    iccid: d.iccid,
    kind: d.kind,
    simcard_id: d.simcard_id,
    reason: d.reason,
    code: d.code,
    params: d.params,
    ...(d.problems ? { problems: d.problems } : {}),
    report: d.report,
    ours: d.ours,
  };
}

interface StoredDetail {
  reason: string;
  /** Absent in reports kept before discrepancies carried codes: a client says those by their kind. */
  code?: string;
  params?: CodeParams;
  problems?: RowProblem[];
  report: Record<string, unknown>;
  ours: Record<string, unknown> | null;
}

export function presentDiscrepancyRow(row: activationReportsRepository.DiscrepancyRow) {
  const { reason, code, params, problems, report, ours } = JSON.parse(row.detail) as StoredDetail;
  return {
    line: row.line,
    iccid: row.iccid,
    kind: row.kind as DiscrepancyKind,
    simcard_id: row.simcard_id,
    reason,
    ...(code ? { code, params: params ?? {} } : {}),
    ...(problems ? { problems } : {}),
    report,
    ours,
  };
}

export function presentReport(row: activationReportsRepository.ActivationReportRow) {
  return {
    id: row.id,
    operator: row.operator,
    file_name: row.file_name,
    format: row.format,
    uploaded_by: row.uploaded_by_name,
    uploaded_at: toIso(row.uploaded_at)!,
    rows_total: row.rows_total,
    sold: row.sold_count,
    already_sold: row.already_sold_count,
    discrepancy_count: row.discrepancy_count,
    counts: JSON.parse(row.counts) as Record<DiscrepancyKind, number>,
  };
}
