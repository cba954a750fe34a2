import { useId } from 'react';
import { LANGS, useI18n, type Lang } from '../i18n/i18n';

const names: Record<Lang, string> = { uz: 'Oʻzbekcha', ru: 'Русский', en: 'English' };

/** Each language is named in itself, so anyone can find their own. */
export function LanguageSwitcher() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <div className="lang-switch">
      <label htmlFor={id} className="visually-hidden">
        {t('lang.label')}
      </label>
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language-switcher">
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {names[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
