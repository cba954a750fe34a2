/**
 * What the app shows instead of a blank screen when a part of it could not be loaded or rendered.
 * Every page is its own chunk (routes.ts), and so are the signed-in app and the dictionaries: a
 * phone's network dropping for a moment, or a tab left open across a deploy asking for an old
 * hashed file that is gone (404), rejects the lazy component's import. `LoadFailureBoundary`
 * catches it (or any other render error) and says so in the user's language with a "Try again"
 * button that reloads the page: after a deploy the new index.html names the new files, after a
 * network drop it simply asks again. A reload, not a re-render: the browser keeps a failed
 * import() as failed for the page's life. Never an automatic reload (no loop on a dead network).
 *
 * In the first chunk (App.tsx wraps the signed-in app in it), so it is small, and its strings are
 * in every dictionary's first part (vite.config.ts names them from this module): the screen reads
 * right even when the whole dictionary could not be loaded either.
 */
import { Component, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

/**
 * The errors of failed chunk loads: vite's loader (every dynamic import of the build) announces
 * each one with `vite:preloadError`, then rejects the import with that same error, which reaches
 * the boundary through the lazy component. Not `preventDefault()`: the import would then resolve
 * to nothing, which Preact's `lazy` renders as nothing (the blank screen this replaces).
 */
const failedLoads = new WeakSet<object>();
window.addEventListener('vite:preloadError', (event) => {
  const payload = (event as Event & { payload?: unknown }).payload;
  if (payload && typeof payload === 'object') failedLoads.add(payload);
});

/** The recoverable screen: what failed, in the user's language, and a button that reloads the page. */
export function LoadFailure({ chunk }: { chunk: boolean }) {
  const { t } = useI18n();
  return (
    <section className="error-box load-failure" role="alert" data-testid="load-failure">
      <p>{t(chunk ? 'load_failure.chunk' : 'load_failure.other')}</p>
      <button type="button" className="primary" onClick={() => window.location.reload()}>
        {t('load_failure.retry')}
      </button>
    </section>
  );
}

interface Props {
  children: ReactNode;
  /** When it changes (the route's path), a failure shown is dropped and the children render again. */
  resetKey?: string;
}

interface State {
  error: unknown;
  /** The `resetKey` the children last rendered with. */
  shownFor?: string;
}

/** Shows `LoadFailure` in place of its children when they throw (a failed chunk load, or any render error). */
export class LoadFailureBoundary extends Component<Props, State> {
  override state: State = { error: null, shownFor: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    // Whatever was thrown (even a falsy value) counts as a failure.
    return { error: error || new Error('render failed') };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Another page opened: it renders (its own chunk may well load).
    return props.resetKey === state.shownFor ? null : { error: null, shownFor: props.resetKey };
  }

  override componentDidCatch(error: unknown): void {
    // For whoever debugs it (the console); the user sees only the screen.
    console.error(error);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return <LoadFailure chunk={typeof error === 'object' && failedLoads.has(error)} />;
  }
}
