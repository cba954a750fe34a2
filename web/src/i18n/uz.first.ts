/**
 * The Uzbek strings of the first screens (the sign-in screen, the layout, a phone's SIM list):
 * what a visit loads before its first render; the rest of uz.ts comes after it (i18n.tsx). In
 * the build and the dev server this module holds only the keys those screens' modules name
 * (vite.config.ts, firstScreenDictionaries, which replaces its code); elsewhere (unit tests, the
 * typecheck) it is the whole dictionary.
 */
import type { Dictionary } from './uz';
import { uz } from './uz';

export const dictionary: Partial<Dictionary> = uz;
