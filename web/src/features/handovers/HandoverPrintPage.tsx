/**
 * The handover sheet for printing (one A4 page for a box of a few dozen SIMs): the dealer, the
 * shop, the count, each ICCID with its barcode, and lines for both signatures. In Uzbek or
 * Russian, whatever the screen's language: the sheet is signed on paper by both sides.
 */
import { useState } from 'react';
import { $api } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { ru } from '../../i18n/ru';
import { uz } from '../../i18n/uz';
import { Link, useRoute } from '../../router';
import { groupIccid } from '../../shared/iccid';
import { Barcode } from './Barcode';
import './print.css';

type SheetLang = 'uz' | 'ru';
const dictionaries = { uz, ru } as const;

function sheetText(lang: SheetLang) {
  return (key: MessageKey, vars: Record<string, string | number> = {}) =>
    dictionaries[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export default function HandoverPrintPage({ params }: { params: Record<string, string> }) {
  const { t: screenT, lang: screenLang } = useI18n();
  const { search } = useRoute();
  const asked = search.get('lang');
  const [lang, setLang] = useState<SheetLang>(asked === 'ru' || asked === 'uz' ? asked : screenLang === 'ru' ? 'ru' : 'uz');
  const doc = $api.useQuery('get', '/handovers/{id}', { params: { path: { id: Number(params.id) } } });
  const h = doc.data;
  if (doc.error && !h) return <ErrorMessage error={doc.error} />;
  if (!h) return <p className="muted">{screenT('common.loading')}</p>;
  const t = sheetText(lang);
  // DD.MM.YYYY HH:MM reads the same in Uzbek and Russian (ICU often lacks Uzbek month names).
  const at = new Date(h.created_at);
  const two = (n: number) => String(n).padStart(2, '0');
  const when = `${two(at.getDate())}.${two(at.getMonth() + 1)}.${at.getFullYear()} ${two(at.getHours())}:${two(at.getMinutes())}`;
  const returning = h.direction === 'return';

  return (
    <div className="print-page">
      <div className="no-print ho-buttons">
        <Link to={`/handovers/${h.id}`} className="button">
          {screenT('sheet.back')}
        </Link>
        <label className="inline-label">
          <span>{screenT('sheet.language')}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as SheetLang)} data-testid="sheet-lang">
            <option value="uz">Oʻzbekcha</option>
            <option value="ru">Русский</option>
          </select>
        </label>
        <button type="button" className="primary" onClick={() => window.print()} data-testid="sheet-print">
          {screenT('handover.print')}
        </button>
      </div>
      <article className="print-sheet" lang={lang} data-testid="print-sheet">
        <header className="sheet-head">
          <h1>{t('sheet.title', { number: h.number })}</h1>
          <p>{when}</p>
        </header>
        <table className="sheet-parties">
          <tbody>
            <tr>
              <th scope="row">{t('sheet.dealer')}</th>
              <td>{h.dealer}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.shop')}</th>
              <td>{h.shop_name}</td>
            </tr>
            <tr>
              <th scope="row">{t('sheet.what')}</th>
              <td>{t(returning ? 'sheet.what_return' : 'sheet.what_delivery')}</td>
            </tr>
            <tr>
              <th scope="row">{t('handover.count')}</th>
              <td data-testid="sheet-count">{h.sim_count}</td>
            </tr>
            {h.note && (
              <tr>
                <th scope="row">{t('handover.note')}</th>
                <td>{h.note}</td>
              </tr>
            )}
          </tbody>
        </table>
        <table className="sheet-sims">
          <thead>
            <tr>
              <th scope="col">№</th>
              <th scope="col">{t('field.iccid')}</th>
              <th scope="col">{t('sheet.barcode')}</th>
              <th scope="col">{t('field.msisdn')}</th>
            </tr>
          </thead>
          <tbody>
            {h.simcards.map((s, i) => (
              <tr key={s.iccid} data-testid="sheet-sim">
                <td>{i + 1}</td>
                <td className="mono">{groupIccid(s.iccid)}</td>
                <td>
                  <Barcode text={s.iccid} label={s.iccid} />
                </td>
                <td>{s.msisdn ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <footer className="sheet-signatures">
          <div>
            <p>{t('sheet.handed_by')}</p>
            <p className="sign-line">{t('sheet.name_signature')}</p>
          </div>
          <div>
            <p>{t('sheet.received_by')}</p>
            <p className="sign-line">{t('sheet.name_signature')}</p>
          </div>
        </footer>
      </article>
    </div>
  );
}
