import { type importsRepository, toIso } from '@simcard/db';
import type { z } from 'zod';
import type { ImportDetail, ImportSummary } from '../routes/imports/imports.schema.js';

export function presentImportSummary(row: importsRepository.ImportSummary): z.infer<typeof ImportSummary> {
  return {
    id: row.id,
    batch_id: row.batch_id,
    status: row.status,
    user: { id: row.user_id, username: row.username },
    file_name: row.file_name,
    format: row.format,
    mode: row.mode,
    check_digit_absent: Boolean(row.check_digit_absent),
    shop_id: row.shop_id,
    size_bytes: Number(row.size_bytes),
    received: row.received,
    inserted: row.inserted,
    skipped_existing: row.skipped_existing,
    duplicates_in_file: row.duplicates_in_file,
    invalid_rows: row.invalid_rows,
    warning_count: row.warning_count,
    created_at: toIso(row.created_at)!,
    finished_at: toIso(row.finished_at),
  };
}

export function presentImport(row: importsRepository.ImportRow): z.infer<typeof ImportDetail> {
  return { ...presentImportSummary(row), report: JSON.parse(row.report) };
}
