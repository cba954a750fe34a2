/**
 * Auto-check runs: start one, watch its progress live (the event stream, with polling as a
 * fallback), cancel it, and see past runs.
 */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { CheckRun, Page } from '../../api/types';
import { useApi } from '../../api/useApi';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { Pager } from '../../components/Pager';
import { ProgressBar } from '../../components/ProgressBar';
import { RunStatusBadge } from '../../components/StatusBadge';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { useLiveEvent } from '../../live/live';

function duration(run: CheckRun): number | null {
  if (!run.finished_at) return null;
  return Math.max(0, Math.round((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000));
}

function CurrentRun({ run, onCancel, cancelling }: { run: CheckRun; onCancel: () => void; cancelling: boolean }) {
  const { t, num, dateTime } = useI18n();
  const running = run.status === 'running';
  return (
    <div className="card" data-testid="current-run" aria-live="polite">
      <div className="page-head">
        <h2>{t('runs.run', { id: run.id })}</h2>
        <span data-testid="run-status">
          <RunStatusBadge status={run.status} />
        </span>
      </div>
      <ProgressBar value={run.done} max={run.total} label={t('runs.progress')} testId="run-progress" />
      <p data-testid="run-counts">
        {t('runs.counts', { done: num(run.done), total: num(run.total), changed: num(run.changed), errors: num(run.errors) })}
        {running && run.eta_seconds !== null && ` · ${t('runs.eta', { seconds: num(run.eta_seconds) })}`}
      </p>
      <p className="muted">
        {t('runs.started')}: {dateTime(run.started_at)}
        {run.finished_at && ` · ${t('runs.finished')}: ${dateTime(run.finished_at)}`}
      </p>
      {run.error_message && <p className="error-box">{run.error_message}</p>}
      {running && (
        <button type="button" className="danger" onClick={onCancel} disabled={cancelling} data-testid="run-cancel">
          {t('runs.cancel')}
        </button>
      )}
    </div>
  );
}

export default function CheckRunsPage() {
  const { t, num, dateTime } = useI18n();
  const notify = useNotify();
  const [page, setPage] = useState({ offset: 0, limit: 25 });
  const runs = useApi<Page<CheckRun>>('/check-runs', page);
  const [current, setCurrent] = useState<CheckRun | null>(null);
  const [includeSold, setIncludeSold] = useState(false);
  const [busy, setBusy] = useState<'start' | 'cancel' | null>(null);
  const [error, setError] = useState<unknown>(null);

  // The newest run is the one to watch when the page opens.
  // (A page of history read just before an event must not move the bar backwards.)
  useEffect(() => {
    const newest = runs.data?.data[0];
    if (newest) setCurrent((c) => (!c || newest.id > c.id || (newest.id === c.id && newest.done >= c.done) ? newest : c));
  }, [runs.data]);

  useLiveEvent('check_run', (data) => {
    const run = data as CheckRun;
    if (typeof run?.id !== 'number') return;
    setCurrent((c) => (!c || run.id >= c.id ? run : c));
    if (run.status !== 'running') runs.reload();
  });

  // Polling as well while a run is going: progress keeps moving if the event stream drops.
  const runningId = current?.status === 'running' ? current.id : null;
  useEffect(() => {
    if (runningId === null) return;
    const timer = setInterval(() => {
      api<CheckRun>(`/check-runs/${runningId}`).then(
        (run) => {
          setCurrent((c) => (c && c.id === run.id ? run : c));
          if (run.status !== 'running') runs.reload();
        },
        () => {},
      );
    }, 2000);
    return () => clearInterval(timer);
  }, [runningId, runs.reload]);

  const start = async () => {
    setBusy('start');
    setError(null);
    try {
      const run = await api<CheckRun>('/simcards/auto-check', { body: { include_sold: includeSold } });
      setCurrent(run);
      runs.reload();
    } catch (err) {
      // A run already going: show it rather than only the refusal.
      if (err instanceof ApiError && err.status === 409) {
        // run_in_progress: the details hold the running run.
        const running = err.details.map((d) => d.run as CheckRun | undefined).find((r) => typeof r?.id === 'number');
        if (running) setCurrent(running);
        runs.reload();
      }
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const cancel = async () => {
    if (!current) return;
    setBusy('cancel');
    try {
      setCurrent(await api<CheckRun>(`/check-runs/${current.id}/cancel`, { method: 'POST' }));
      notify(t('runs.cancelled'), 'info');
      runs.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">{t('nav.check_runs')}</h1>
      <div className="card">
        <p>{t('runs.explain')}</p>
        <CheckboxField label={t('runs.include_sold')} checked={includeSold} onChange={(e) => setIncludeSold(e.target.checked)} data-testid="run-include-sold" />
        <button type="button" className="primary" onClick={() => void start()} disabled={busy !== null || current?.status === 'running'} data-testid="run-start">
          {t('runs.start')}
        </button>
      </div>
      <ErrorMessage error={error} />
      {current && <CurrentRun run={current} onCancel={() => void cancel()} cancelling={busy === 'cancel'} />}
      <h2>{t('runs.history')}</h2>
      <ErrorMessage error={runs.error} />
      <TableScroll label={t('runs.history')}>
        <table data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('field.status')}</th>
              <th scope="col">{t('runs.started')}</th>
              <Th optional>{t('runs.duration')}</Th>
              <th scope="col">{t('runs.checked')}</th>
              <th scope="col">{t('runs.changed')}</th>
              <th scope="col">{t('runs.errors')}</th>
            </tr>
          </thead>
          <tbody>
            {runs.data?.data.map((run) => {
              const d = duration(run);
              return (
                <tr key={run.id} data-testid="run-row">
                  <td>{run.id}</td>
                  <td>
                    <RunStatusBadge status={run.status} />
                  </td>
                  <td>{dateTime(run.started_at)}</td>
                  <td className="opt">{d === null ? '—' : t('runs.seconds', { seconds: num(d) })}</td>
                  <td>
                    {num(run.done)} / {num(run.total)}
                  </td>
                  <td>{num(run.changed)}</td>
                  <td>{num(run.errors)}</td>
                </tr>
              );
            })}
            <EmptyRow show={runs.data && runs.data.data.length === 0} columns={7} />
          </tbody>
        </table>
      </TableScroll>
      {runs.data && <Pager total={runs.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />}
    </section>
  );
}
