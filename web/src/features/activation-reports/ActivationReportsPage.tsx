/**
 * Operators' activation reports (issue 15): upload the operator's CSV/XLSX, see what it would do
 * (SIMs that become sold, those already sold) and every discrepancy before confirming; confirming
 * saves it once (Idempotency-Key per preview). Saved reports are listed, with their
 * discrepancies as a CSV download made here in the page's language (discrepancies-csv.ts) from
 * the JSON pages; the server's own `?format=csv` is English, for API clients.
 */
import { useRef, useState } from 'react';
import { data, http, saveBlob } from '../../api/client';
import type { ActivationReportAnswer, ActivationReportDiscrepancy } from '../../api/models';
import { $api, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, SelectField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { TableScroll } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { Figure } from '../../shared/figures';
import { discrepanciesCsv } from './discrepancies-csv';
import { discrepancyKindKey, discrepancyText } from './discrepancy-text';

const OPERATORS = ['beeline', 'ucell', 'uzmobile', 'mobiuz', 'humans', 'perfectum'] as const;
const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function Discrepancies({ rows, total }: { rows: ActivationReportDiscrepancy[]; total: number }) {
  const { lang, t, num, date, dateTime } = useI18n();
  if (total === 0) return <p data-testid="activation-no-discrepancies">{t('activation.no_discrepancies')}</p>;
  const title = t('activation.discrepancies', { count: num(total) });
  return (
    <>
      <h3>{title}</h3>
      <TableScroll label={title}>
        <table data-testid="activation-discrepancies">
          <thead>
            <tr>
              <th scope="col">{t('activation.line')}</th>
              <th scope="col">{t('field.iccid')}</th>
              <th scope="col">{t('activation.kind')}</th>
              <th scope="col">{t('activation.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d, i) => (
              <tr key={i} data-testid="activation-discrepancy" data-kind={d.kind}>
                <td>{d.line}</td>
                <td className="mono">{d.iccid ?? '—'}</td>
                <td>{t(discrepancyKindKey(d.kind))}</td>
                {/* The API's reason is English: the sentence is made from its code, in the page's language. */}
                <td>{discrepancyText({ lang, t, date, dateTime }, d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {total > rows.length && <p className="muted">{t('activation.more', { count: num(total - rows.length) })}</p>}
    </>
  );
}

function AnswerView({ answer }: { answer: ActivationReportAnswer }) {
  const { t, num } = useI18n();
  const preview = answer.dry_run;
  return (
    <div className="card" data-testid={preview ? 'activation-preview' : 'activation-result'}>
      <h2>{preview ? t('activation.preview') : t('activation.result')}</h2>
      <div className="figures">
        <Figure label={t('activation.rows')} value={num(answer.rows_total)} testId="activation-rows" />
        <Figure
          label={preview ? t('activation.will_sell') : t('activation.sold')}
          value={num(answer.sold)}
          testId="activation-sold"
          tone="good"
        />
        <Figure label={t('activation.already_sold')} value={num(answer.already_sold)} testId="activation-already-sold" />
        <Figure
          label={t('activation.discrepancy_count')}
          value={num(answer.discrepancy_count)}
          testId="activation-discrepancy-count"
          tone={answer.discrepancy_count ? 'warn' : undefined}
        />
      </div>
      <Discrepancies rows={answer.discrepancies} total={answer.discrepancy_count} />
      {!preview && answer.id !== null && <CsvButton id={answer.id} />}
    </div>
  );
}

/** The endpoint's largest page (`limit`, at most 500: services/main-api/src/schemas.ts MAX_LIMIT). */
const CSV_PAGE = 500;

/** Every discrepancy of a saved report, page after page; `onPage` hears how many of how many are in. */
async function allDiscrepancies(id: number, onPage: (done: number, total: number) => void): Promise<ActivationReportDiscrepancy[]> {
  const rows: ActivationReportDiscrepancy[] = [];
  for (;;) {
    const page = await data(
      http.GET('/activation-reports/{id}/discrepancies', { params: { path: { id }, query: { limit: CSV_PAGE, offset: rows.length } } }),
    );
    rows.push(...page.data);
    onPage(rows.length, page.total);
    // A short page is the last (a report's discrepancies never change once it is saved).
    if (page.data.length < CSV_PAGE || rows.length >= page.total) return rows;
  }
}

/** The discrepancies as a CSV made here, in the page's language (the API's own CSV is English, for API clients). */
function CsvButton({ id }: { id: number }) {
  const { lang, t, num, date, dateTime } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const save = async () => {
    setError(null);
    setProgress({ done: 0, total: 0 });
    try {
      const rows = await allDiscrepancies(id, (done, total) => setProgress({ done, total }));
      // Headers, kinds, details and dates in the page's language, as its table says them.
      const csv = discrepanciesCsv({ lang, t, date, dateTime }, rows);
      saveBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), `activation-report-${id}-discrepancies.csv`);
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  };
  return (
    <>
      <button
        type="button"
        className="link-button"
        disabled={progress !== null}
        aria-busy={progress !== null}
        onClick={() => void save()}
        data-testid="activation-csv"
      >
        {progress === null
          ? t('activation.download_csv')
          : progress.total > 0
            ? t('activation.csv.progress', { done: num(progress.done), total: num(progress.total) })
            : t('common.loading')}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function History() {
  const { t, num, dateTime } = useI18n();
  const reports = $api.useQuery('get', '/activation-reports', { params: { query: { limit: 20 } } });
  if (!reports.data) return <ErrorMessage error={reports.error} />;
  return (
    <section aria-labelledby="activation-history" className="card">
      <h2 id="activation-history">{t('activation.history')}</h2>
      <TableScroll label={t('activation.history')}>
        <table data-testid="activation-history">
          <thead>
            <tr>
              <th scope="col">{t('field.created_at')}</th>
              <th scope="col">{t('activation.operator')}</th>
              <th scope="col">{t('field.file')}</th>
              <th scope="col">{t('activation.sold')}</th>
              <th scope="col">{t('activation.discrepancy_count')}</th>
              <th scope="col">{t('field.username')}</th>
              <th scope="col">CSV</th>
            </tr>
          </thead>
          <tbody>
            {reports.data.data.map((r) => (
              <tr key={r.id}>
                <td>{dateTime(r.uploaded_at)}</td>
                <td>{r.operator ?? '—'}</td>
                <td>{r.file_name ?? '—'}</td>
                <td>{num(r.sold)}</td>
                <td>{num(r.discrepancy_count)}</td>
                <td>{r.uploaded_by}</td>
                <td>{r.discrepancy_count > 0 ? <CsvButton id={r.id} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export default function ActivationReportsPage() {
  const { t, num } = useI18n();
  const notify = useNotify();
  const invalidate = useInvalidate();
  const [file, setFile] = useState<File | null>(null);
  const [operator, setOperator] = useState('');
  const [noCheckDigit, setNoCheckDigit] = useState(false);
  const [preview, setPreview] = useState<(ActivationReportAnswer & { key: string }) | null>(null);
  const [result, setResult] = useState<ActivationReportAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const reset = () => {
    setPreview(null);
    setResult(null);
    setError(null);
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(dryRun ? 'preview' : 'save');
    setError(null);
    try {
      const body = new FormData();
      body.append('file', file, file.name);
      const query = {
        dry_run: dryRun ? 'true' : undefined,
        operator: operator || undefined,
        check_digit: noCheckDigit ? 'absent' : undefined,
      } as const;
      // One key per confirmed preview: a retried or double-clicked confirm saves once.
      const headers: Record<string, string> = dryRun || !preview ? {} : { 'Idempotency-Key': preview.key };
      const answer = await data(
        http.POST('/activation-reports', {
          params: { query },
          headers,
          body: body as never,
          bodySerializer: (b: unknown) => b as BodyInit,
        }),
      );
      if (dryRun) setPreview({ ...answer, key: randomKey() });
      else {
        setResult(answer);
        setPreview(null);
        // Sales: lists, figures and the history re-read.
        void invalidate(['activation-reports', 'simcards']);
        notify(t('activation.done', { count: num(answer.sold) }), 'success');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="activation-title">
      <h1 id="activation-title">{t('nav.activation_reports')}</h1>
      <div className="card">
        <p>{t('activation.intro')}</p>
        <div className="field">
          <input
            id="activation-file"
            ref={input}
            type="file"
            accept={ACCEPT}
            className="file-input"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              reset();
            }}
            data-testid="activation-file"
          />
          <label htmlFor="activation-file" className="button">
            {t('import.choose_file')}
          </label>
          {file && (
            <p data-testid="activation-file-name">
              <strong>{file.name}</strong> ({num(Math.ceil(file.size / 1024))} KB)
            </p>
          )}
        </div>
        <div className="form-grid">
          <SelectField
            label={t('activation.operator')}
            value={operator}
            onChange={(e) => {
              setOperator(e.target.value);
              reset();
            }}
            data-testid="activation-operator"
          >
            <option value="">{t('activation.operator_from_file')}</option>
            {OPERATORS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </SelectField>
          <CheckboxField
            label={t('import.no_check_digit')}
            checked={noCheckDigit}
            onChange={(e) => {
              setNoCheckDigit(e.target.checked);
              reset();
            }}
          />
        </div>
        <div className="actions left">
          <button
            type="button"
            className="primary"
            disabled={!file || busy !== null}
            onClick={() => void run(true)}
            data-testid="activation-check"
          >
            {busy === 'preview' ? t('common.loading') : t('activation.check')}
          </button>
        </div>
      </div>
      <ErrorMessage error={error} />
      {preview && (
        <>
          <AnswerView answer={preview} />
          <div className="actions left">
            <button
              type="button"
              className="primary"
              disabled={busy !== null}
              onClick={() => void run(false)}
              data-testid="activation-confirm"
            >
              {busy === 'save' ? t('common.loading') : t('activation.confirm')}
            </button>
            <button type="button" onClick={reset}>
              {t('action.cancel')}
            </button>
          </div>
        </>
      )}
      {result && <AnswerView answer={result} />}
      <History />
    </section>
  );
}
