/**
 * What a screen whose strings are not all in the dictionary's first part (i18n/uz.first.ts) shows
 * until the language's whole dictionary is in: "Loading…" while it is on its way, the failure
 * screen (components/LoadFailure.tsx, "Try again") if it could not be loaded — never its keys.
 * The first screens (the sign-in screen, a phone's SIM list) are not wrapped in it: they render
 * from the first part at once, the whole dictionary following after their paint (main.tsx).
 *
 * The decision: a gate around the page, not `translate` throwing. `t()` is called in event
 * handlers, effects and notices too, where a throw would be an uncaught error instead of a
 * screen; and a page that renders first and is replaced once a key is found missing would have
 * put its keys in the document. Which screens need the whole dictionary is known without
 * rendering them: every page but FIRST_SCREEN_STRINGS (first-requests.ts: vite.config.ts builds
 * the first part from those pages' modules), and the lazily loaded parts of those (the admin's
 * SIM table). A key still missed elsewhere shows as the key until the whole dictionary is in
 * (i18n.tsx), as before.
 *
 * A failed load is thrown to the page's LoadFailureBoundary (SignedInApp.tsx), which shows the
 * failure screen like any other chunk not loaded (the error is vite's, so the chunk sentence)
 * and drops it when the path changes: this gate then mounts afresh and tries the load again
 * (i18n.tsx keeps one load in flight and forgets a failed one). One attempt per page opened, none
 * on its own: no loop on a dead network.
 */
import { type ReactNode, useEffect, useState } from 'react';
import { loadWholeDictionary, useI18n, wholeDictionaryLoaded } from '../i18n/i18n';

interface Props {
  children: ReactNode;
  /** What the children load when they render (the page's chunk): started with the dictionary, not after it. */
  alongside?: () => Promise<unknown>;
}

export function WholeDictionary({ children, alongside }: Props) {
  const { t, lang } = useI18n();
  const whole = wholeDictionaryLoaded(lang);
  // The failed load's error, boxed (a falsy rejection still counts); `loaded` renders again when it is in.
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  const [, setLoaded] = useState(false);
  useEffect(() => {
    if (whole) return;
    let current = true;
    // Its failure is the children's to show, when they render.
    alongside?.().catch(() => {});
    loadWholeDictionary(lang).then(
      () => current && setLoaded(true),
      (error: unknown) => current && setFailure({ error }),
    );
    return () => {
      current = false;
    };
  }, [lang, whole, alongside]);
  if (whole) return children;
  if (failure) throw failure.error;
  return (
    <p className="muted" role="status" data-testid="dictionary-loading">
      {t('common.loading')}
    </p>
  );
}
