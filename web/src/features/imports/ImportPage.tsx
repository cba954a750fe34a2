/**
 * Import SIM cards: drop a CSV/XLSX file or paste ICCIDs; a dry run previews every bad row with
 * its line and reason; confirming imports the valid rows and shows the report.
 */
import { type DragEvent, useRef, useState } from 'react';
import { data, http } from '../../api/client';
import type { ImportProblem, ImportReport } from '../../api/models';
import { $api, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { ShopSelect } from '../../components/ShopSelect';
import { TableScroll } from '../../components/Table';
import { fieldKeys, reasonText } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { Figure } from '../../shared/figures';

/** A random key; not crypto.randomUUID, which plain-http pages (a phone on the shop's network) lack. */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const ACCEPT = '.csv,.txt,.xlsx,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function ReportView({ report, preview }: { report: ImportReport; preview: boolean }) {
  const { t, num } = useI18n();
  return (
    <div className="card" data-testid={preview ? 'import-preview' : 'import-report'}>
      <h2>{preview ? t('import.preview') : t('import.report')}</h2>
      <div className="figures">
        <Figure label={t('import.received')} value={num(report.received)} testId="import-received" />
        <Figure
          label={preview ? t('import.will_insert') : t('import.inserted')}
          value={num(report.inserted)}
          testId="import-inserted"
          tone="good"
        />
        <Figure label={t('import.existing')} value={num(report.skipped_existing)} testId="import-existing" />
        <Figure label={t('import.duplicates')} value={num(report.duplicates_in_file)} testId="import-duplicates" />
        <Figure
          label={t('import.invalid')}
          value={num(report.invalid_rows)}
          testId="import-invalid-count"
          tone={report.invalid_rows ? 'warn' : undefined}
        />
      </div>
      {report.invalid.length > 0 && <ProblemRows rows={report.invalid} total={report.invalid_count} kind="invalid" />}
      {report.warnings.length > 0 && <ProblemRows rows={report.warnings} total={report.warning_count} kind="warning" />}
      {!preview && report.batch_id && (
        <p>
          <Link to={`/simcards?batch_id=${encodeURIComponent(report.batch_id)}`} data-testid="import-batch-link">
            {t('import.view_batch', { batch: report.batch_id })}
          </Link>
        </p>
      )}
    </div>
  );
}

/** Bad rows (or warnings) with their line in the person's file, the field, and the reason. */
function ProblemRows({ rows, total, kind }: { rows: ImportProblem[]; total: number; kind: 'invalid' | 'warning' }) {
  const { t, num } = useI18n();
  const shown = rows.slice(0, 500);
  const title = kind === 'invalid' ? t('import.bad_rows', { count: num(total) }) : t('import.warnings', { count: num(total) });
  return (
    <>
      <h3>{title}</h3>
      <TableScroll label={title}>
        <table data-testid={kind === 'invalid' ? 'import-invalid-table' : 'import-warnings'}>
          <thead>
            <tr>
              <th scope="col">{t('import.line')}</th>
              <th scope="col">{t('field.iccid')}</th>
              <th scope="col">{t('import.field')}</th>
              <th scope="col">{t('import.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row, i) => {
              const fk = row.field ? fieldKeys[row.field] : undefined;
              return (
                <tr key={i} data-testid={kind === 'invalid' ? 'import-invalid-row' : 'import-warning-row'} data-line={row.line}>
                  <td>{row.line}</td>
                  <td className="mono">{row.iccid ?? '—'}</td>
                  <td>{fk ? t(fk) : (row.field ?? '—')}</td>
                  <td data-testid={kind === 'invalid' ? 'import-invalid-reason' : undefined}>{reasonText(t, row)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
      {total > shown.length && <p className="muted">{t('import.more_rows', { count: num(total - shown.length) })}</p>}
    </>
  );
}

function ImportHistory() {
  const { t, num, dateTime } = useI18n();
  const imports = $api.useQuery('get', '/imports', { params: { query: { limit: 20 } } });
  if (!imports.data) return <ErrorMessage error={imports.error} />;
  return (
    <section aria-labelledby="imports-title" className="card">
      <h2 id="imports-title">{t('import.history')}</h2>
      <TableScroll label={t('import.history')}>
        <table data-testid="imports-table">
          <thead>
            <tr>
              <th scope="col">{t('field.created_at')}</th>
              <th scope="col">{t('field.batch')}</th>
              <th scope="col">{t('field.file')}</th>
              <th scope="col">{t('import.received')}</th>
              <th scope="col">{t('import.inserted')}</th>
              <th scope="col">{t('field.username')}</th>
            </tr>
          </thead>
          <tbody>
            {imports.data.data.map((b) => {
              return (
                <tr key={b.id}>
                  <td>{dateTime(b.created_at)}</td>
                  <td>{b.batch_id ? <Link to={`/simcards?batch_id=${encodeURIComponent(b.batch_id)}`}>{b.batch_id}</Link> : '—'}</td>
                  <td>{b.file_name ?? '—'}</td>
                  <td>{num(b.received)}</td>
                  <td>{num(b.inserted)}</td>
                  <td>{b.user.username}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export default function ImportPage() {
  const { t, num } = useI18n();
  const notify = useNotify();
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [shopId, setShopId] = useState<number | null>(null);
  const [noCheckDigit, setNoCheckDigit] = useState(false);
  const [preview, setPreview] = useState<(ImportReport & { idempotencyKey: string }) | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);
  const [dragging, setDragging] = useState(false);
  const invalidate = useInvalidate();
  const fileInput = useRef<HTMLInputElement>(null);

  const hasInput = file !== null || text.trim() !== '';
  const reset = () => {
    setPreview(null);
    setReport(null);
    setError(null);
  };

  const send = (dryRun: boolean) => {
    const query = {
      mode: 'partial',
      dry_run: dryRun ? 'true' : undefined,
      check_digit: noCheckDigit ? 'absent' : undefined,
      shop_id: shopId ?? undefined,
    } as const;
    // One key per confirmed preview: a retried or double-clicked confirm imports once.
    const headers: Record<string, string> = dryRun || !preview?.idempotencyKey ? {} : { 'Idempotency-Key': preview.idempotencyKey };
    // The file as it is (multipart: the browser sets the boundary), or the pasted text as text.
    let body: FormData | string = text;
    if (file) {
      body = new FormData();
      body.append('file', file, file.name);
    } else {
      headers['Content-Type'] = 'text/plain; charset=utf-8';
    }
    return data(
      http.POST('/simcards/bulk', { params: { query }, headers, body: body as never, bodySerializer: (b: unknown) => b as BodyInit }),
    );
  };

  const run = async (dryRun: boolean) => {
    setBusy(dryRun ? 'preview' : 'import');
    setError(null);
    try {
      const answer = await send(dryRun);
      if (dryRun) setPreview({ ...answer, idempotencyKey: randomKey() });
      else {
        setReport(answer);
        setPreview(null);
        // New SIMs: the history, lists, figures and shops re-read.
        void invalidate(['imports']);
        notify(t('import.done', { count: num(answer.inserted) }), 'success');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const pickFile = (f: File | null) => {
    setFile(f);
    reset();
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) pickFile(f);
  };

  return (
    <section aria-labelledby="import-title">
      <h1 id="import-title">{t('nav.import')}</h1>
      <div className="card">
        <div
          className={`dropzone ${dragging ? 'dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="import-dropzone"
        >
          <p>{t('import.drop')}</p>
          {/* The input is hidden visually only: its label is the visible button, and it keeps keyboard focus. */}
          <input
            id="import-file"
            ref={fileInput}
            type="file"
            accept={ACCEPT}
            className="file-input"
            onChange={(e) => pickFile(e.target.files?.[0] ?? null)}
            data-testid="import-file"
          />
          <label htmlFor="import-file" className="button">
            {t('import.choose_file')}
          </label>
          {file && (
            <p data-testid="import-file-name">
              <strong>{file.name}</strong> ({num(Math.ceil(file.size / 1024))} KB){' '}
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  pickFile(null);
                  if (fileInput.current) fileInput.current.value = '';
                }}
              >
                {t('action.remove')}
              </button>
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="import-text">{t('import.paste')}</label>
          <textarea
            id="import-text"
            rows={6}
            disabled={file !== null}
            placeholder="8999801000000000014"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              reset();
            }}
            data-testid="import-text"
          />
        </div>
        <div className="form-grid">
          <ShopSelect
            label={t('import.into_shop')}
            value={shopId}
            onChange={(id) => {
              setShopId(id);
              reset();
            }}
            emptyLabel={t('import.to_stock')}
            testId="import-shop"
          />
          <CheckboxField
            label={t('import.no_check_digit')}
            checked={noCheckDigit}
            onChange={(e) => {
              setNoCheckDigit(e.target.checked);
              reset();
            }}
            data-testid="import-no-check-digit"
          />
        </div>
        <div className="actions left">
          <button
            type="button"
            className="primary"
            disabled={!hasInput || busy !== null}
            onClick={() => void run(true)}
            data-testid="import-preview-button"
          >
            {busy === 'preview' ? t('common.loading') : t('import.check')}
          </button>
        </div>
      </div>
      <ErrorMessage error={error} />
      {preview && (
        <>
          <ReportView report={preview} preview />
          <div className="actions left">
            <button type="button" className="primary" disabled={busy !== null} onClick={() => void run(false)} data-testid="import-confirm">
              {busy === 'import' ? t('common.loading') : t('import.confirm')}
            </button>
            <button type="button" onClick={reset}>
              {t('action.cancel')}
            </button>
          </div>
        </>
      )}
      {report && <ReportView report={report} preview={false} />}
      {/* Keyed by the count of imports made here: each one re-reads the history. */}
      <ImportHistory />
    </section>
  );
}
