/**
 * The SIM list as cards, for a phone first (360 px): one search box that finds a SIM by the last
 * four or more digits printed on the card, the whole ICCID or the number; a camera scan that
 * fills the same box; a mistyped ICCID answered with the nearest ones we hold. Nothing here is
 * wider than the screen.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { data, http } from '../../api/client';
import type { Simcard } from '../../api/models';
import { $api, keepPrevious } from '../../api/queries';
import { LazyErrorMessage } from '../../components/LazyErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { StatusSelect } from '../../components/StatusSelect';
import { useI18n } from '../../i18n/i18n';
import { Link, useRoute } from '../../router';
import { isFullIccid, searchDigits } from '../../shared/iccid';
import { IccidSuggestions, looksLikeIccid } from '../../shared/IccidSuggestions';
import { IccidText } from '../../shared/IccidText';
import { ScanButton } from '../../shared/scan/ScanButton';
import '../../shared/phone.css';

const PAGE = 20;
/**
 * The cards of the list's first render: a phone's screen shows three to five under the search
 * box (360×740 to 412×915); the rest of the page follows a frame later (LaterCards, after that
 * paint). On a phone's slow CPU each card costs its share of the first render's script and style
 * work, which comes before the first rows show (bench/RESULTS.md, the phone sections).
 */
const FIRST_PAINT = 6;

function SimCard({ sim }: { sim: Simcard }) {
  const { t, dateTime } = useI18n();
  return (
    <li className="sim-card" data-testid="sim-row" data-iccid={sim.iccid}>
      <Link to={`/simcards/${sim.id}`} className="sim-card-link">
        <IccidText iccid={sim.iccid} />
      </Link>
      <div className="sim-card-row">
        <StatusBadge status={sim.status} />
        <span className="sim-card-msisdn">{sim.msisdn ?? '—'}</span>
      </div>
      {(sim.operator || sim.sold_at) && (
        <div className="sim-card-row muted">
          <span>{sim.operator ?? ''}</span>
          <span>{sim.sold_at ? `${t('field.sold_at')}: ${dateTime(sim.sold_at)}` : ''}</span>
        </div>
      )}
    </li>
  );
}

/**
 * The page's cards after the first FIRST_PAINT: rendered once the frame showing those is painted
 * (an effect), by this component alone, so the list around them (search form, filters, pager) is
 * not rendered again for them on a phone's slow CPU right after its first rows
 * (bench/src/phone-first-screen.ts --trace). Mounted again, e.g. when a search brought fewer, they
 * wait for a frame again.
 */
function LaterCards({ sims }: { sims: Simcard[] }) {
  const [shown, setShown] = useState(false);
  useEffect(() => setShown(true), []);
  if (!shown) return null;
  return (
    <>
      {sims.map((sim) => (
        <SimCard key={sim.id} sim={sim} />
      ))}
    </>
  );
}

export function SimCardList({ fixedShopId }: { fixedShopId?: number }) {
  const { t, num } = useI18n();
  const { navigate, search: urlSearch } = useRoute();
  const [text, setText] = useState(urlSearch.get('q') ?? '');
  const [q, setQ] = useState(searchDigits(text) ?? '');
  const [status, setStatus] = useState(urlSearch.get('status') ?? '');
  const [offset, setOffset] = useState(0);
  const [notFound, setNotFound] = useState<string | null>(null);
  const shop = fixedShopId ? { shop_id: fixedShopId } : {};
  // Sales and moves re-read the list as they happen (live/invalidate.tsx).
  const sims = $api.useQuery(
    'get',
    '/simcards',
    {
      params: {
        query: {
          ...(q ? { q } : {}),
          ...(status ? { status: status as Simcard['status'] } : {}),
          sort: '-id',
          limit: PAGE,
          offset,
          ...shop,
        },
      },
    },
    keepPrevious,
  );
  const digits = searchDigits(text);

  // Typing settles for a moment before the list is asked again (a slow phone, a slow network).
  useEffect(() => {
    const id = setTimeout(() => {
      if (digits !== null) setQ(digits);
    }, 300);
    return () => clearTimeout(id);
  }, [digits]);
  useEffect(() => setOffset(0), [q, status]);

  /** A whole valid ICCID opens its SIM; one we do not hold says so (and suggests neighbours). */
  const open = async (input: string) => {
    const d = searchDigits(input);
    setNotFound(null);
    if (d === null) return;
    setQ(d);
    if (!isFullIccid(d)) return;
    try {
      const found = await data(http.GET('/simcards', { params: { query: { q: d, limit: 2, ...shop } } }));
      const exact = found.data.find((s) => s.iccid === d);
      if (exact) navigate(`/simcards/${exact.id}`);
      else setNotFound(d);
    } catch {
      // The list below shows the same query's error.
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void open(text);
  };

  const answered = sims.data?.data ?? [];
  const total = sims.data?.total ?? 0;
  const mistyped = digits !== null && looksLikeIccid(digits) && !isFullIccid(digits);

  return (
    <div className="sim-cards">
      <form className="phone-search" role="search" onSubmit={onSubmit}>
        <label htmlFor="sim-q">{t('sim.search_any')}</label>
        <div className="phone-search-row">
          <input
            id="sim-q"
            type="search"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            aria-invalid={digits === null}
            aria-describedby="sim-q-hint"
            onChange={(e) => {
              setText(e.target.value);
              setNotFound(null);
            }}
            data-testid="sim-search"
          />
          <button type="submit" className="primary" data-testid="sim-search-submit">
            {t('common.search')}
          </button>
        </div>
        <small id="sim-q-hint" className="muted">
          {digits === null ? t('sim.search_digits') : t('sim.search_any_hint')}
        </small>
        <ScanButton
          onScan={(scanned) => {
            const d = searchDigits(scanned) ?? scanned;
            setText(d);
            void open(d);
          }}
        />
      </form>
      {(mistyped || notFound) && <IccidSuggestions digits={notFound ?? digits!} />}
      <div className="phone-filters">
        <StatusSelect label={t('field.status')} value={status} onChange={setStatus} testId="filter-status" />
      </div>
      <LazyErrorMessage error={sims.error} />
      <p className="muted" aria-live="polite" data-testid="sim-count">
        {sims.data ? t('sim.found_count', { count: num(total) }) : t('common.loading')}
      </p>
      <ul className="sim-card-list" aria-busy={sims.isFetching} data-testid="sim-cards">
        {answered.slice(0, FIRST_PAINT).map((sim) => (
          <SimCard key={sim.id} sim={sim} />
        ))}
        {answered.length > FIRST_PAINT && <LaterCards sims={answered.slice(FIRST_PAINT)} />}
      </ul>
      {sims.data && answered.length === 0 && <p className="muted">{t('common.empty')}</p>}
      {total > PAGE && (
        <nav className="phone-pager" aria-label={t('pager.label')}>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            {t('pager.prev')}
          </button>
          <span>{t('pager.range', { from: num(offset + 1), to: num(Math.min(offset + PAGE, total)), total: num(total) })}</span>
          <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            {t('pager.next')}
          </button>
        </nav>
      )}
    </div>
  );
}
