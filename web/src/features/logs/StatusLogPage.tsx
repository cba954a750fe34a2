/** The status-change log: every change and every failed check, newest first, with filters. */
import { useState } from 'react';
import type { QueryOf } from '../../api/models';
import { $api, keepPrevious } from '../../api/queries';
import { useUser } from '../../auth/auth';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { FiltersPanel } from '../../components/FiltersPanel';
import { Pager } from '../../components/Pager';
import { ShopSelect } from '../../components/ShopSelect';
import { useStatusChange } from '../../components/StatusBadge';
import { StatusSelect } from '../../components/StatusSelect';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { iccidRule } from '../../i18n/validation';
import { Link } from '../../router';
import { groupIccid, searchDigits } from '../../shared/iccid';

const SOURCES = ['manual', 'bulk', 'auto'] as const;

/** A date input's day as the start (or end) of that day in UTC, as the API's `from`/`to` expect. */
function dayBound(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  return end ? `${day}T23:59:59.999Z` : `${day}T00:00:00.000Z`;
}

export default function StatusLogPage() {
  const { t, num, dateTime } = useI18n();
  const user = useUser();
  const [iccid, setIccid] = useState('');
  const [status, setStatus] = useState('');
  const [source, setSource] = useState('');
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [shopId, setShopId] = useState<number | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const filter = (f: () => void) => {
    f();
    setPage((p) => ({ ...p, offset: 0 }));
  };
  const digits = searchDigits(iccid) ?? '';
  type LogQuery = QueryOf<'/logs/status-changes'>;
  const query: LogQuery = {
    iccid: digits.length >= 19 ? digits : undefined,
    status: (status || undefined) as LogQuery['status'],
    source: (source || undefined) as LogQuery['source'],
    errors_only: errorsOnly ? 'true' : undefined,
    shop_id: shopId ?? undefined,
    from: dayBound(from, false),
    to: dayBound(to, true),
    ...page,
  };
  const logs = $api.useQuery('get', '/logs/status-changes', { params: { query } }, keepPrevious);
  const statusChange = useStatusChange();

  return (
    <section aria-labelledby="logs-title">
      <h1 id="logs-title">{t('nav.logs')}</h1>
      <FiltersPanel>
        <TextField
          label={t('field.iccid')}
          inputMode="numeric"
          hint={t('logs.iccid_hint')}
          value={iccid}
          validate={iccidRule(t)}
          onChange={(e) => filter(() => setIccid(e.target.value))}
          data-testid="log-iccid"
        />
        <StatusSelect label={t('logs.new_status')} value={status} onChange={(v) => filter(() => setStatus(v))} testId="log-status" />
        <SelectField
          label={t('logs.source')}
          value={source}
          onChange={(e) => filter(() => setSource(e.target.value))}
          data-testid="log-source"
        >
          <option value="">{t('common.all')}</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {t(`logs.source_${s}`)}
            </option>
          ))}
        </SelectField>
        {user.role === 'admin' && (
          <ShopSelect label={t('field.shop')} value={shopId} onChange={(id) => filter(() => setShopId(id))} emptyLabel={t('common.all')} />
        )}
        <TextField label={t('logs.from')} type="date" value={from} onChange={(e) => filter(() => setFrom(e.target.value))} />
        <TextField label={t('logs.to')} type="date" value={to} onChange={(e) => filter(() => setTo(e.target.value))} />
        <CheckboxField
          label={t('logs.errors_only')}
          checked={errorsOnly}
          onChange={(e) => filter(() => setErrorsOnly(e.target.checked))}
          data-testid="log-errors-only"
        />
      </FiltersPanel>
      <ErrorMessage error={logs.error} />
      <TableScroll label={t('nav.logs')} busy={logs.isFetching}>
        <table data-testid="logs-table">
          <thead>
            <tr>
              <th scope="col">{t('logs.time')}</th>
              <th scope="col">{t('field.iccid')}</th>
              <th scope="col">{t('logs.change')}</th>
              <Th optional>{t('logs.source')}</Th>
              <Th optional>{t('logs.run')}</Th>
              <Th optional>{t('logs.response_ms')}</Th>
              <th scope="col">{t('logs.error')}</th>
            </tr>
          </thead>
          <tbody>
            {logs.data?.data.map((row) => (
              <tr key={row.id} data-testid="log-row" className={row.error_message ? 'row-error' : undefined}>
                <td>{dateTime(row.checked_at)}</td>
                <td className="mono">
                  {row.simcard_id ? <Link to={`/simcards/${row.simcard_id}`}>{groupIccid(row.iccid)}</Link> : groupIccid(row.iccid)}
                </td>
                <td>{statusChange(row.previous_status, row.new_status)}</td>
                <td className="opt">
                  {(SOURCES as readonly string[]).includes(row.source)
                    ? t(`logs.source_${row.source as (typeof SOURCES)[number]}`)
                    : row.source}
                </td>
                <td className="opt">{row.run_id ?? '—'}</td>
                <td className="opt">{row.response_ms === null ? '—' : num(row.response_ms)}</td>
                <td>{row.error_message ?? ''}</td>
              </tr>
            ))}
            <EmptyRow show={logs.data && logs.data.data.length === 0} columns={7} />
          </tbody>
        </table>
      </TableScroll>
      {logs.data && (
        <Pager total={logs.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
    </section>
  );
}
