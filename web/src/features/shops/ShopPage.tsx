/** One shop: its details, figures and sales per day, and its SIMs. */
import { useState } from 'react';
import { $api, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNotify } from '../../components/Notices';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { ShopFiguresView } from '../../shared/figures';
import { SimTable } from '../../shared/SimTable';
import { ShopForm } from './ShopForm';

export default function ShopPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const notify = useNotify();
  const id = Number(params.id);
  const invalidate = useInvalidate();
  const shop = $api.useQuery('get', '/shops/{id}', { params: { path: { id } } });
  const [editing, setEditing] = useState(false);
  if (shop.error) return <ErrorMessage error={shop.error} />;
  const s = shop.data;
  if (!s) return <p role="status">{t('common.loading')}</p>;
  const info = [s.code, s.city, s.region, s.address, s.phone, s.manager_name].filter(Boolean).join(' · ');
  return (
    <section aria-labelledby="shop-title">
      <p>
        <Link to="/shops">← {t('nav.shops')}</Link>
      </p>
      <div className="page-head">
        <h1 id="shop-title">{s.name}</h1>
        <button type="button" onClick={() => setEditing(true)}>
          {t('action.edit')}
        </button>
      </div>
      <p className="muted">
        {info}
        {!s.is_active && ` · ${t('shops.inactive')}`}
      </p>
      <ShopFiguresView shopId={id} />
      <h2>{t('nav.simcards')}</h2>
      <SimTable fixedShopId={id} />
      {editing && (
        <ShopForm
          shop={s}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            void invalidate(['shops']);
            notify(t('common.saved', { name: saved.name }), 'success');
          }}
        />
      )}
    </section>
  );
}
