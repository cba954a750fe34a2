/** The chase table (admins): which shops sit on old stock, sell slowly, or are owed money; a row opens the shop. */
import { useState } from 'react';
import type { QueryOf } from '../../api/models';
import { $api, keepPrevious } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Pager } from '../../components/Pager';
import { SortHeader } from '../../components/SortHeader';
import { EmptyRow, TableScroll } from '../../components/Table';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link, useRoute } from '../../router';
import '../../shared/statements.css';

const COLUMNS: { column: string; key: MessageKey; optional?: boolean }[] = [
  { column: 'sell_through', key: 'chase.sell_through' },
  { column: 'in_shop', key: 'chase.on_hand' },
  { column: 'age_0_7', key: 'chase.age_0_7', optional: true },
  { column: 'age_8_30', key: 'chase.age_8_30', optional: true },
  { column: 'age_31_60', key: 'chase.age_31_60', optional: true },
  { column: 'age_61_plus', key: 'chase.age_61_plus' },
  { column: 'last_sale_at', key: 'chase.last_sale', optional: true },
  { column: 'owed', key: 'chase.owed', optional: true },
];

export default function ChasePage() {
  const { t, num, date } = useI18n();
  const { navigate } = useRoute();
  const [sort, setSort] = useState('-age_61_plus');
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const res = $api.useQuery('get', '/chase', { params: { query: { sort: sort as QueryOf<'/chase'>['sort'], ...page } } }, keepPrevious);
  const rows = res.data?.data ?? [];

  return (
    <section aria-labelledby="chase-title" className="money-page">
      <div className="page-head">
        <h1 id="chase-title">{t('chase.title')}</h1>
      </div>
      <p className="muted">{t('chase.explain')}</p>
      <ErrorMessage error={res.error} />
      <TableScroll label={t('chase.title')} busy={res.isFetching}>
        <table data-testid="chase-table">
          <thead>
            <tr>
              <SortHeader column="name" label={t('field.shop')} sort={sort} onSort={setSort} />
              {COLUMNS.map((c) => (
                <SortHeader
                  key={c.column}
                  column={c.column}
                  label={t(c.key)}
                  sort={sort}
                  onSort={setSort}
                  className={c.optional ? 'opt num' : 'num'}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.shop_id} className="clickable" onClick={() => navigate(`/shops/${r.shop_id}`)} data-testid="chase-row">
                <td>
                  <Link to={`/shops/${r.shop_id}`}>{r.name}</Link> <span className="muted">{r.code}</span>
                </td>
                <td className="num">{r.sell_through === null ? '—' : `${num(r.sell_through)}%`}</td>
                <td className="num">{num(r.in_shop)}</td>
                <td className="num opt">{num(r.age_0_7)}</td>
                <td className="num opt">{num(r.age_8_30)}</td>
                <td className="num opt">{num(r.age_31_60)}</td>
                <td className="num">{num(r.age_61_plus)}</td>
                <td className="num opt">{date(r.last_sale_at)}</td>
                <td className="num opt">{num(r.owed)}</td>
              </tr>
            ))}
            <EmptyRow show={res.data && rows.length === 0} columns={9} />
          </tbody>
        </table>
      </TableScroll>
      {res.data && (
        <Pager total={res.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
    </section>
  );
}
