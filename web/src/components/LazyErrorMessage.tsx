/**
 * `<ErrorMessage>` for the first screens (the sign-in screen, a phone's SIM list): the same box,
 * but its module (ErrorMessage.tsx with i18n/errors.ts, the sentences of the API's codes and
 * fields, ~2.5 kB brotli) is loaded with the first error instead of being in the first chunk,
 * which a phone downloads and parses before its first screen. The box appears once that module
 * and the language's whole dictionary (the errors' sentences are not in its first part) are in:
 * at once when they were loaded after the first paint (the sign-in screen preloads them,
 * `preloadErrorMessage`), a moment later otherwise; never a code or a key meanwhile. Neither
 * loadable (the network gone): the network's sentence, which the first part holds.
 */
import { useEffect, useState } from 'react';
import { type Lang, loadWholeDictionary, useI18n, wholeDictionaryLoaded } from '../i18n/i18n';

type Module = typeof import('./ErrorMessage');

let loaded: Module | null = null;

/** Loads the error box's module and the language's whole dictionary (each once; a failed load is tried again). */
export function preloadErrorMessage(lang: Lang): Promise<void> {
  return Promise.all([import('./ErrorMessage'), loadWholeDictionary(lang)]).then(([module]) => {
    loaded = module;
  });
}

export function LazyErrorMessage({ error }: { error: unknown }) {
  const { t, lang } = useI18n();
  const [, setLoads] = useState(0);
  const [failed, setFailed] = useState(false);
  const Box = loaded && wholeDictionaryLoaded(lang) ? loaded.ErrorMessage : null;
  const ready = Box !== null;
  useEffect(() => {
    if (!error || ready) return;
    let current = true;
    setFailed(false);
    preloadErrorMessage(lang).then(
      () => current && setLoads((n) => n + 1),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [error, ready, lang]);
  if (!error) return null;
  if (Box) return <Box error={error} />;
  if (!failed) return null;
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <p>{t('error.network')}</p>
    </div>
  );
}
