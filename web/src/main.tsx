/**
 * The entry: first the requests a stored session's first screen needs (auth/session-start.ts),
 * then React. A remembered Russian or English is loaded before the first render, so the first
 * paint is in that language, never Uzbek first (index.html preloads its chunk with this one).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startSession } from './auth/session-start';
import { initialLang, loadDictionary } from './i18n/i18n';
import './styles.css';

startSession();

function render() {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

// Not loaded (offline, a new release's chunk gone): Uzbek rather than nothing.
loadDictionary(initialLang()).then(render, render);
