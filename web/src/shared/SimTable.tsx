/**
 * The SIM table: server-side paging, filters, sorting and search. A full ICCID typed or scanned
 * into the search box jumps straight to that SIM. Admins select rows to assign or return them.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { data, download, http } from '../api/client';
import type { QueryOf, Simcard } from '../api/models';
import { $api, keepPrevious, useInvalidate } from '../api/queries';
import { useUser } from '../auth/auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage, useErrorText } from '../components/ErrorMessage';
import { SelectField, TextField } from '../components/Field';
import { FiltersPanel } from '../components/FiltersPanel';
import { useNotify } from '../components/Notices';
import { Pager } from '../components/Pager';
import { ShopSelect, useShopNames } from '../components/ShopSelect';
import { SortHeader } from '../components/SortHeader';
import { StatusBadge } from '../components/StatusBadge';
import { StatusSelect } from '../components/StatusSelect';
import { EmptyRow, TableScroll, Th } from '../components/Table';
import { useI18n } from '../i18n/i18n';
import { Link, useRoute } from '../router';
import { AssignDialog } from './AssignDialog';
import { groupIccid, isFullIccid, OPERATORS, searchDigits } from './iccid';
import { IccidSuggestions, looksLikeIccid } from './IccidSuggestions';
import { SimEditDialog } from './SimEditDialog';
import { useCheckStatus } from './useCheckStatus';
import './table.css';

export function SimTable({ fixedShopId }: { fixedShopId?: number }) {
  const { t, num, dateTime } = useI18n();
  const user = useUser();
  const notify = useNotify();
  const { navigate, search: urlSearch } = useRoute();
  const isAdmin = user.role === 'admin';
  const shopName = useShopNames();

  const [searchText, setSearchText] = useState(urlSearch.get('q') ?? '');
  const [q, setQ] = useState(searchDigits(searchText) ?? '');
  const [status, setStatus] = useState(urlSearch.get('status') ?? '');
  const [operator, setOperator] = useState('');
  const [shopId, setShopId] = useState<number | null>(null);
  const [batchId, setBatchId] = useState(urlSearch.get('batch_id') ?? '');
  const [sort, setSort] = useState('-id');
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [assigning, setAssigning] = useState(false);
  const [returning, setReturning] = useState(false);
  const [editing, setEditing] = useState<Simcard | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [exporting, setExporting] = useState(false);
  const errorText = useErrorText();

  type SimQuery = QueryOf<'/simcards'>;
  const filters = {
    q: q || undefined,
    status: (status || undefined) as SimQuery['status'],
    operator: operator || undefined,
    batch_id: batchId.trim() || undefined,
    shop_id: fixedShopId ?? shopId ?? undefined,
  };
  // A sale (live), a check, an edit or a move re-reads the page (resource `simcards`).
  const sims = $api.useQuery(
    'get',
    '/simcards',
    { params: { query: { ...filters, sort: sort as SimQuery['sort'], ...page } } },
    keepPrevious,
  );
  const invalidate = useInvalidate();

  /** The whole filtered list (not just this page), streamed by the API as CSV or XLSX. */
  const exportAs = async (format: 'csv' | 'xlsx') => {
    setExporting(true);
    try {
      await download('/simcards/export', { ...filters, format }, `simcards.${format}`);
    } catch (err) {
      notify(errorText(err), 'error');
    } finally {
      setExporting(false);
    }
  };
  const { check, checking } = useCheckStatus();

  // Filters changed: back to the first page, nothing selected.
  useEffect(() => {
    setPage((p) => ({ ...p, offset: 0 }));
    setSelected(new Set());
  }, [q, status, operator, shopId, batchId, sort]);

  const searchInvalid = searchDigits(searchText) === null;

  /**
   * A full ICCID (typed, pasted or scanned) opens that SIM; anything shorter filters the table.
   * While typing (`quiet`) a full ICCID that matches no SIM just filters; Enter says "not found".
   */
  const runSearch = async (text: string, quiet: boolean) => {
    const digits = searchDigits(text);
    setNotFound(false);
    if (digits === null) return;
    setQ(digits);
    if (!isFullIccid(digits)) return;
    try {
      const found = await data(
        http.GET('/simcards', { params: { query: { q: digits, limit: 2, ...(fixedShopId ? { shop_id: fixedShopId } : {}) } } }),
      );
      const exact = found.data.find((s) => s.iccid === digits);
      if (exact) navigate(`/simcards/${exact.id}`);
      else if (!quiet) setNotFound(true);
    } catch {
      // The table below shows the error of the same query.
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void runSearch(searchText, false);
  };

  const rows = sims.data?.data ?? [];
  const allOnPage = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allOnPage ? new Set() : new Set(rows.map((r) => r.id)));
  const colCount = isAdmin ? 9 : 8;

  return (
    <div className="sim-table">
      <form className="search-bar" role="search" onSubmit={onSubmit}>
        <TextField
          label={t('sim.search')}
          type="search"
          inputMode="numeric"
          autoComplete="off"
          hint={searchInvalid ? t('sim.search_digits') : t('sim.search_hint')}
          aria-invalid={searchInvalid}
          value={searchText}
          onChange={(e) => {
            setSearchText(e.target.value);
            void runSearch(e.target.value, true);
          }}
          data-testid="sim-search"
        />
        <button type="submit" className="primary" data-testid="sim-search-submit">
          {t('common.search')}
        </button>
      </form>
      {notFound && (
        <p className="warning-box" role="alert" data-testid="sim-not-found">
          {t('sim.not_found')}
        </p>
      )}
      {(notFound || (looksLikeIccid(searchDigits(searchText) ?? '') && !isFullIccid(searchDigits(searchText)!))) && (
        <IccidSuggestions digits={searchDigits(searchText)!} />
      )}
      <FiltersPanel>
        <StatusSelect label={t('field.status')} value={status} onChange={setStatus} testId="filter-status" />
        <SelectField
          label={t('field.operator')}
          value={operator}
          onChange={(e) => setOperator(e.target.value)}
          data-testid="filter-operator"
        >
          <option value="">{t('common.all')}</option>
          {OPERATORS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </SelectField>
        {isAdmin && fixedShopId === undefined && (
          <ShopSelect label={t('field.shop')} value={shopId} onChange={setShopId} emptyLabel={t('common.all')} testId="filter-shop" />
        )}
        <TextField label={t('field.batch')} value={batchId} onChange={(e) => setBatchId(e.target.value)} data-testid="filter-batch" />
      </FiltersPanel>

      <div className="actions left">
        <button type="button" onClick={() => void exportAs('csv')} disabled={exporting} data-testid="export-csv">
          {t('sim.export_csv')}
        </button>
        <button type="button" onClick={() => void exportAs('xlsx')} disabled={exporting} data-testid="export-xlsx">
          {t('sim.export_xlsx')}
        </button>
      </div>
      {isAdmin && (
        <div className="bulk-bar" role="toolbar" aria-label={t('sim.bulk_actions')}>
          <span data-testid="selected-count">{t('sim.selected', { count: num(selected.size) })}</span>
          <button type="button" className="primary" onClick={() => setAssigning(true)} data-testid="assign-open">
            {t('assign.title')}
          </button>
          <button type="button" disabled={selected.size === 0} onClick={() => setReturning(true)} data-testid="unassign-open">
            {t('sim.return_to_stock')}
          </button>
        </div>
      )}

      <ErrorMessage error={sims.error} />
      <TableScroll label={t('nav.simcards')} busy={sims.isFetching}>
        <table data-testid="sims-table">
          <thead>
            <tr>
              {isAdmin && (
                <th scope="col" className="check-col">
                  <input
                    type="checkbox"
                    checked={allOnPage}
                    onChange={toggleAll}
                    aria-label={t('sim.select_page')}
                    data-testid="select-all"
                  />
                </th>
              )}
              <SortHeader column="iccid" label={t('field.iccid')} sort={sort} onSort={setSort} />
              <SortHeader column="msisdn" label={t('field.msisdn')} sort={sort} onSort={setSort} className="opt" />
              <SortHeader column="operator" label={t('field.operator')} sort={sort} onSort={setSort} className="opt" />
              <SortHeader column="status" label={t('field.status')} sort={sort} onSort={setSort} />
              <Th optional>{t('field.shop')}</Th>
              <SortHeader column="sold_at" label={t('field.sold_at')} sort={sort} onSort={setSort} className="opt" />
              <SortHeader column="last_checked_at" label={t('field.last_checked')} sort={sort} onSort={setSort} className="opt opt-wide" />
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((sim) => (
              <tr key={sim.id} data-testid="sim-row" data-iccid={sim.iccid} className={selected.has(sim.id) ? 'selected' : undefined}>
                {isAdmin && (
                  <td className="check-col">
                    <input
                      type="checkbox"
                      checked={selected.has(sim.id)}
                      onChange={() => toggle(sim.id)}
                      aria-label={t('sim.select', { iccid: sim.iccid })}
                    />
                  </td>
                )}
                <td>
                  <Link to={`/simcards/${sim.id}`} className="mono">
                    {groupIccid(sim.iccid)}
                  </Link>
                </td>
                <td className="opt">{sim.msisdn ?? '—'}</td>
                <td className="opt">{sim.operator ?? '—'}</td>
                <td>
                  <StatusBadge status={sim.status} />
                  {sim.last_check_error && (
                    <span className="error-dot" title={sim.last_check_error}>
                      <span aria-hidden="true"> ⚠</span>
                      <span className="visually-hidden">{t('sim.last_check_failed')}</span>
                    </span>
                  )}
                </td>
                <td className="opt">{shopName(sim.shop_id)}</td>
                <td className="opt">{dateTime(sim.sold_at)}</td>
                <td className="opt opt-wide">{dateTime(sim.last_checked_at)}</td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      onClick={() => void check(sim)}
                      disabled={checking === sim.id}
                      aria-label={`${t('sim.check')}: ${sim.iccid}`}
                      data-testid="sim-check"
                    >
                      {checking === sim.id ? t('sim.checking') : t('sim.check')}
                    </button>
                    <button
                      type="button"
                      onClick={() => setEditing(sim)}
                      aria-label={`${t('action.edit')}: ${sim.iccid}`}
                      data-testid="sim-edit-open"
                    >
                      {t('action.edit')}
                    </button>
                    <Link to={`/simcards/${sim.id}#history`} className="button" aria-label={`${t('sim.history')}: ${sim.iccid}`}>
                      {t('sim.history')}
                    </Link>
                  </div>
                </td>
              </tr>
            ))}
            <EmptyRow show={sims.data && rows.length === 0} columns={colCount} />
          </tbody>
        </table>
      </TableScroll>
      {sims.data && (
        <Pager total={sims.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}

      {assigning && (
        <AssignDialog
          selectedIds={[...selected]}
          defaultShopId={fixedShopId ?? null}
          onClose={() => setAssigning(false)}
          onDone={() => setSelected(new Set())}
        />
      )}
      {returning && (
        <ConfirmDialog
          title={t('sim.return_to_stock')}
          text={t('sim.return_confirm', { count: num(selected.size) })}
          confirmLabel={t('sim.return_to_stock')}
          onClose={() => setReturning(false)}
          onConfirm={async () => {
            const result = await data(http.POST('/simcards/unassign', { body: { simcard_ids: [...selected] } }));
            void invalidate(['simcards']);
            notify(t('sim.returned', { count: num(result.unassigned) }), result.skipped.length ? 'info' : 'success');
            setSelected(new Set());
          }}
        />
      )}
      {editing && (
        <SimEditDialog
          sim={editing}
          onClose={() => setEditing(null)}
          onSaved={(sim) => {
            setEditing(null);
            notify(t('common.saved', { name: sim.iccid }), 'success');
          }}
        />
      )}
    </div>
  );
}
