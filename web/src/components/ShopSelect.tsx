/**
 * Shops for selects and for naming a `shop_id`: the first 500 by name (a dealer has tens to
 * hundreds), one query in the cache shared by every component; a change to shops re-reads it.
 */
import type { Page, Shop } from '../api/models';
import { $api } from '../api/queries';
import { useI18n } from '../i18n/i18n';
import { SelectField } from './Field';

export function useShopList(): { data: Page<Shop> | undefined; loading: boolean } {
  // Names change rarely: shown from the cache for a minute without re-reading on every select.
  const shops = $api.useQuery('get', '/shops', { params: { query: { limit: 500, sort: 'name' } } }, { staleTime: 60_000 });
  return { data: shops.data, loading: shops.isPending };
}

export function ShopSelect({
  label,
  value,
  onChange,
  emptyLabel,
  required,
  testId,
}: {
  label: string;
  value: number | null;
  onChange: (id: number | null) => void;
  emptyLabel: string;
  required?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const shops = useShopList();
  return (
    <SelectField
      label={label}
      value={value ?? ''}
      required={required}
      onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}
      data-testid={testId}
    >
      <option value="">{shops.loading ? t('common.loading') : emptyLabel}</option>
      {shops.data?.data.map((s) => (
        <option key={s.id} value={s.id}>
          {s.name} ({s.code})
        </option>
      ))}
    </SelectField>
  );
}

/** A shop's name by id, for tables that hold only `shop_id`. */
export function useShopNames(): (id: number | null) => string {
  const shops = useShopList();
  return (id) => {
    if (id === null) return '—';
    const shop = shops.data?.data.find((s) => s.id === id);
    return shop ? shop.name : `#${id}`;
  };
}
