/**
 * The entry: first the requests a stored session's first screen needs (auth/session-start.ts),
 * then React, once they are in (a short wait at most). A remembered Russian or English is loaded
 * before the first render, so the first paint is in that language, never Uzbek first (index.html
 * preloads its chunk with this one).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { firstScreenReady, firstScreenStrings, startSession } from './auth/session-start';
import { initialLang, loadDictionary, loadWholeDictionary } from './i18n/i18n';
import './styles.css';
// The phone's SIM list's styles (the layout's phone tables, the card list, ICCIDs, the scanner's
// button), ~2 kB, in the first chunk's stylesheet instead of two more files: a signed-in visit to
// /simcards then asks for six files and answers at once, which a browser fetches side by side
// (six connections per server), none waiting for another's connection.
import './components/phone-tables.css';
import './shared/iccid.css';
import './shared/phone.css';
import './shared/scan/scanner.css';

startSession();

function render() {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

/**
 * With a stored session, the first render waits (up to this long) for `/auth/me`, the signed-in
 * app's and the page's chunks and its first data, all asked at start: then the page renders once,
 * with its rows, instead of "Loading…" three times on the way (each laid out and painted on a
 * phone's slow CPU). A slower network shows "Loading…" after this, and the rest as it arrives.
 */
const FIRST_SCREEN_WAIT_MS = 1500;

const lang = initialLang();
// The sign-in screen and a phone's SIM list render with their own strings (i18n/uz.first.ts),
// the rest of the dictionary following after the rows are painted; any other page waits for the
// whole dictionary (index.html's script has asked for it). Not loaded (offline, a new release's
// chunk gone): its first part, so the layout and the page's failure screen
// (components/WholeDictionary.tsx) are in that language; neither: Uzbek rather than nothing.
const light = firstScreenStrings();
const strings = light ? loadDictionary(lang) : loadWholeDictionary(lang).catch(() => loadDictionary(lang));
Promise.all([strings, firstScreenReady(FIRST_SCREEN_WAIT_MS)])
  .then(render, render)
  .then(() => {
    // After the next frame: the first screen's paint does not share the link or the CPU with it.
    if (light) requestAnimationFrame(() => setTimeout(() => loadWholeDictionary(lang).catch(() => {}), 0));
  });
