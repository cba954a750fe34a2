/**
 * Shops for selects and for naming a `shop_id`: the first 500 by name (a dealer has tens to
 * hundreds), read once and shared by every component on the page until a shop changes.
 */
import { useEffect, useState } from 'react';
import { api, getToken } from '../api/client';
import type { Page, Shop } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { SelectField } from './Field';

let cache: Promise<Page<Shop>> | null = null;
/** The session the cache belongs to: staff see only their shop, so a new sign-in reads again. */
let cacheToken: string | null = null;

/** Call after creating, editing or deleting a shop. */
export function invalidateShops(): void {
  cache = null;
}

export function useShopList(): { data: Page<Shop> | undefined; loading: boolean } {
  const [data, setData] = useState<Page<Shop> | undefined>(undefined);
  useEffect(() => {
    let live = true;
    if (cacheToken !== getToken()) cache = null;
    cacheToken = getToken();
    cache ??= api<Page<Shop>>('/shops', { query: { limit: 500, sort: 'name' } });
    cache.then(
      (page) => live && setData(page),
      () => {
        // Not cached: the next component asks again. A name then shows as #id.
        cache = null;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return { data, loading: data === undefined };
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
    <SelectField label={label} value={value ?? ''} required={required} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)} data-testid={testId}>
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
