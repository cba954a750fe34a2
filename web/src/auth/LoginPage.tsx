import { type FormEvent, useEffect, useState } from 'react';
import { TextField } from '../components/Field';
import { LanguageSwitcher } from '../components/LanguageSwitcher';
import { LazyErrorMessage, preloadErrorMessage } from '../components/LazyErrorMessage';
import { useI18n } from '../i18n/i18n';
import { useAuth } from './auth';

export function LoginPage() {
  const { t, lang } = useI18n();
  const { login, expired } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // After the first paint (an effect): a wrong password is then said at once (LazyErrorMessage).
  useEffect(() => {
    preloadErrorMessage(lang).catch(() => {});
  }, [lang]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="login-page" id="main">
      <div className="login-card">
        <div className="login-head">
          <h1>{t('app.title')}</h1>
          <LanguageSwitcher />
        </div>
        <p className="muted">{t('auth.subtitle')}</p>
        {expired && (
          <p className="warning-box" role="alert" data-testid="session-expired">
            {t('auth.expired')}
          </p>
        )}
        <form onSubmit={submit} aria-label={t('auth.login')} data-testid="login-form">
          <TextField
            label={t('auth.username')}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
          />
          <TextField
            label={t('auth.password')}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
          <LazyErrorMessage error={error} />
          <button type="submit" className="primary wide" disabled={busy} data-testid="login-submit">
            {busy ? t('common.loading') : t('auth.login')}
          </button>
        </form>
      </div>
    </main>
  );
}
