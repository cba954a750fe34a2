import { useEffect, useId } from 'react';
import { http } from '../api/client';
import { useAuth } from '../auth/auth';
import { type Lang, LANGS, useI18n } from '../i18n/i18n';

const names: Record<Lang, string> = { uz: 'Oʻzbekcha', ru: 'Русский', en: 'English' };

/** Each language is named in itself, so anyone can find their own. */
export function LanguageSwitcher() {
  const { lang, setLang, t } = useI18n();
  const { user } = useAuth();
  const id = useId();
  // The language is kept with the user (it is also their exports' default): a sign-in brings it back.
  useEffect(() => {
    if (user?.language && user.language !== lang) setLang(user.language);
    // Only when the signed-in user changes, not on every switch.
  }, [user?.id]);
  const choose = (next: Lang) => {
    setLang(next);
    if (user) void http.PUT('/users/me/language', { body: { language: next } }).catch(() => {});
  };
  return (
    <div className="lang-switch">
      <label htmlFor={id} className="visually-hidden">
        {t('lang.label')}
      </label>
      <select id={id} value={lang} onChange={(e) => choose(e.target.value as Lang)} data-testid="language-switcher">
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {names[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
