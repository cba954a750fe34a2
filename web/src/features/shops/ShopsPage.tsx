import { useState } from 'react';
import { data, http } from '../../api/client';
import type { QueryOf, Shop } from '../../api/models';
import { $api, keepPrevious, useInvalidate } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { Pager } from '../../components/Pager';
import { SortHeader } from '../../components/SortHeader';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { ShopForm } from './ShopForm';

export default function ShopsPage() {
  const { t } = useI18n();
  const notify = useNotify();
  const [q, setQ] = useState('');
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const [sort, setSort] = useState('name');
  const [editing, setEditing] = useState<Shop | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Shop | null>(null);
  const invalidate = useInvalidate();
  const shops = $api.useQuery(
    'get',
    '/shops',
    { params: { query: { q: q.trim() || undefined, sort: sort as QueryOf<'/shops'>['sort'], ...page } } },
    keepPrevious,
  );

  return (
    <section aria-labelledby="shops-title">
      <div className="page-head">
        <h1 id="shops-title">{t('nav.shops')}</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="shop-create">
          {t('shops.create')}
        </button>
      </div>
      <div className="filters">
        <TextField
          label={t('common.search')}
          type="search"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setPage((p) => ({ ...p, offset: 0 }));
          }}
          data-testid="shop-search"
        />
      </div>
      <ErrorMessage error={shops.error} />
      <TableScroll label={t('nav.shops')}>
        <table data-testid="shops-table">
          <thead>
            <tr>
              <SortHeader column="name" label={t('field.name')} sort={sort} onSort={setSort} />
              <SortHeader column="code" label={t('field.code')} sort={sort} onSort={setSort} />
              <SortHeader column="city" label={t('field.city')} sort={sort} onSort={setSort} className="opt" />
              <Th optional>{t('field.manager')}</Th>
              <Th optional>{t('field.phone')}</Th>
              <th scope="col">{t('field.active')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {shops.data?.data.map((shop) => (
              <tr key={shop.id} data-testid="shop-row">
                <td>
                  <Link to={`/shops/${shop.id}`}>{shop.name}</Link>
                </td>
                <td>{shop.code}</td>
                <td className="opt">{shop.city ?? '—'}</td>
                <td className="opt">{shop.manager_name ?? '—'}</td>
                <td className="opt">{shop.phone ?? '—'}</td>
                <td>{shop.is_active ? t('common.yes') : t('common.no')}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" onClick={() => setEditing(shop)} aria-label={`${t('action.edit')}: ${shop.name}`}>
                      {t('action.edit')}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setDeleting(shop)}
                      aria-label={`${t('action.delete')}: ${shop.name}`}
                    >
                      {t('action.delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            <EmptyRow show={shops.data && shops.data.data.length === 0} columns={7} />
          </tbody>
        </table>
      </TableScroll>
      {shops.data && (
        <Pager total={shops.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
      {editing && (
        <ShopForm
          shop={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            void invalidate(['shops']);
            notify(t(editing === 'new' ? 'shops.created' : 'common.saved', { name: saved.name }), 'success');
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('shops.delete_title')}
          text={t('shops.delete_text', { name: deleting.name })}
          confirmLabel={t('action.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await data(http.DELETE('/shops/{id}', { params: { path: { id: deleting.id } } }));
            void invalidate(['shops']);
            notify(t('common.deleted'), 'success');
          }}
        />
      )}
    </section>
  );
}
