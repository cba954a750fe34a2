/**
 * Auto-check runs: start one, watch its progress live (the event stream re-reads it, with
 * polling as a fallback), cancel it, and see past runs.
 */
import { useState } from 'react';
import { ApiError, data, http } from '../../api/client';
import type { CheckRun } from '../../api/models';
import { $api, keepPrevious, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { Pager } from '../../components/Pager';
import { ProgressBar } from '../../components/ProgressBar';
import { RunStatusBadge } from '../../components/StatusBadge';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/uz';

function duration(run: CheckRun): number | null {
  if (!run.finished_at) return null;
  return Math.max(0, Math.round((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000));
}

type OperatorProgress = CheckRun['by_operator'][number];

/** Why a run skipped an operator's SIMs, in words: no API configured, or the operator stopped answering. */
function skipReasonKey(reason: string): MessageKey {
  if (reason === 'no_provider') return 'runs.skip.no_provider';
  return reason === 'provider_timeout' ? 'runs.skip.timeout' : 'runs.skip.down';
}

/** One line per SIM operator: how far the run got with its SIMs, and why any were skipped. */
function OperatorLines({ operators }: { operators: OperatorProgress[] }) {
  const { t, num } = useI18n();
  if (operators.length === 0) return null;
  return (
    <div data-testid="run-operators">
      <h3>{t('runs.by_operator')}</h3>
      <ul>
        {operators.map((o) => (
          <li key={o.operator ?? ''} data-testid="run-operator" data-operator={o.operator ?? ''}>
            {t('runs.operator_line', {
              operator: o.operator ?? t('runs.no_operator'),
              done: num(o.done),
              total: num(o.total),
              changed: num(o.changed),
              errors: num(o.errors),
              skipped: num(o.skipped),
            })}
            {o.skipped > 0 && o.reason && <span className="muted"> ({t(skipReasonKey(o.reason))})</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Which operators a run checks: all (the default) or some of those with a provider of their own.
 * `null` means all. With one provider for every SIM there is nothing to choose.
 */
function OperatorPicker({ value, onChange }: { value: string[] | null; onChange: (next: string[] | null) => void }) {
  const { t } = useI18n();
  const configured = $api.useQuery('get', '/check-runs/operators', {}, { staleTime: 60_000 });
  const operators = configured.data?.operators ?? [];
  if (!configured.data) return null;
  if (operators.length === 0) return <p className="muted">{t('runs.operators_one_provider')}</p>;
  const toggle = (operator: string, on: boolean) => {
    const chosen = new Set(value ?? operators);
    if (on) chosen.add(operator);
    else chosen.delete(operator);
    // Every one ticked is "all": new operators configured later are then checked too.
    onChange(operators.every((o) => chosen.has(o)) ? null : operators.filter((o) => chosen.has(o)));
  };
  return (
    <fieldset style={{ minWidth: 0, border: 0, padding: 0, margin: '0 0 1rem' }} data-testid="run-operator-picker">
      <legend>{t('runs.operators')}</legend>
      <CheckboxField
        label={t('runs.operators_all')}
        checked={value === null}
        onChange={(e) => onChange(e.target.checked ? null : [])}
        data-testid="run-operators-all"
      />
      {operators.map((o) => (
        <CheckboxField
          key={o}
          label={o}
          checked={value === null || value.includes(o)}
          onChange={(e) => toggle(o, e.target.checked)}
          data-testid="run-operator-choice"
          data-operator={o}
        />
      ))}
      {value !== null && value.length === 0 && (
        <p className="muted" role="status" data-testid="run-operators-none">
          {t('runs.operators_pick')}
        </p>
      )}
    </fieldset>
  );
}

/** What runs by itself: each scheduled auto-check (all operators, or an operator with its own interval) and when it is next due. */
function Schedules() {
  const { t, num, dateTime } = useI18n();
  const configured = $api.useQuery('get', '/check-runs/operators', {}, { staleTime: 60_000 });
  const schedules = configured.data?.schedules;
  if (!schedules) return null;
  return (
    <div data-testid="run-schedules">
      <h2>{t('runs.schedules')}</h2>
      {schedules.length === 0 ? (
        <p className="muted">{t('runs.schedule_none')}</p>
      ) : (
        <ul>
          {schedules.map((s) => (
            <li key={s.name} data-testid="run-schedule" data-schedule={s.name}>
              {t('runs.schedule_every', {
                operators: s.operators ? s.operators.join(', ') : t('runs.schedule_all'),
                minutes: num(s.interval_min),
              })}
              {s.next_due_at && ` · ${t('runs.schedule_next', { at: dateTime(s.next_due_at) })}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
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
      <ProgressBar value={run.done + run.skipped} max={run.total} label={t('runs.progress')} testId="run-progress" />
      <p data-testid="run-counts">
        {t('runs.counts', { done: num(run.done), total: num(run.total), changed: num(run.changed), errors: num(run.errors) })}
        {run.skipped > 0 && ` · ${t('runs.skipped')}: ${num(run.skipped)}`}
        {running && run.eta_seconds !== null && ` · ${t('runs.eta', { seconds: num(run.eta_seconds) })}`}
      </p>
      {run.operators && <p className="muted">{t('runs.only_operators', { operators: run.operators.join(', ') })}</p>}
      <OperatorLines operators={run.by_operator} />
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
  const invalidate = useInvalidate();
  const runs = $api.useQuery('get', '/check-runs', { params: { query: page } }, keepPrevious);
  // The run to watch: the one started here, else the newest.
  const [watchId, setWatchId] = useState<number | null>(null);
  const currentId = watchId ?? runs.data?.data[0]?.id ?? null;
  const watched = $api.useQuery(
    'get',
    '/check-runs/{id}',
    { params: { path: { id: currentId ?? 0 } } },
    // Live events re-read it; polling as well while it runs, in case the event stream drops.
    { enabled: currentId !== null, refetchInterval: (query) => (query.state.data?.status === 'running' ? 2000 : false) },
  );
  const current = currentId === null ? null : (watched.data ?? null);
  const [includeSold, setIncludeSold] = useState(false);
  // null: every operator.
  const [operators, setOperators] = useState<string[] | null>(null);
  const [busy, setBusy] = useState<'start' | 'cancel' | null>(null);
  const [error, setError] = useState<unknown>(null);

  const start = async () => {
    setBusy('start');
    setError(null);
    try {
      const run = await data(
        http.POST('/simcards/auto-check', { body: { include_sold: includeSold, ...(operators ? { operators } : {}) } }),
      );
      setWatchId(run.id);
      void invalidate(['check-runs']);
    } catch (err) {
      // A run already going: show it rather than only the refusal.
      if (err instanceof ApiError && err.status === 409) {
        // run_in_progress: the details hold the running run.
        const running = err.details.map((d) => d.run as CheckRun | undefined).find((r) => typeof r?.id === 'number');
        if (running) setWatchId(running.id);
        void invalidate(['check-runs']);
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
      await data(http.POST('/check-runs/{id}/cancel', { params: { path: { id: current.id } } }));
      notify(t('runs.cancelled'), 'info');
      void invalidate(['check-runs']);
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
        <CheckboxField
          label={t('runs.include_sold')}
          checked={includeSold}
          onChange={(e) => setIncludeSold(e.target.checked)}
          data-testid="run-include-sold"
        />
        <OperatorPicker value={operators} onChange={setOperators} />
        <button
          type="button"
          className="primary"
          onClick={() => void start()}
          disabled={busy !== null || current?.status === 'running' || operators?.length === 0}
          data-testid="run-start"
        >
          {t('runs.start')}
        </button>
        <Schedules />
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
              <Th optional>{t('runs.skipped')}</Th>
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
                  <td className="opt">{num(run.skipped)}</td>
                </tr>
              );
            })}
            <EmptyRow show={runs.data && runs.data.data.length === 0} columns={8} />
          </tbody>
        </table>
      </TableScroll>
      {runs.data && (
        <Pager total={runs.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
    </section>
  );
}
