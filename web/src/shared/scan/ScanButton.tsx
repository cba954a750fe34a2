/**
 * A "Scan" button that opens the camera's scanner (Scanner.tsx) and hands back what it read. The
 * scanner is its own chunk, loaded on the first tap: a phone's SIM list shows only this button on
 * its first screen, and downloaded and parsed the scanner (~1.4 kB brotli) before its rows. It
 * opens once that chunk and the language's whole dictionary (its sentences are not in the first
 * part, i18n/i18n.tsx) are in, so it never shows a key; neither loadable (the network gone): the
 * network's sentence under the button, and a tap tries again.
 */
import { useState } from 'react';
import { type Lang, loadWholeDictionary, useI18n } from '../../i18n/i18n';
import './scanner.css';

type Module = typeof import('./Scanner');

let loaded: Module | null = null;

function loadScanner(lang: Lang): Promise<Module> {
  return Promise.all([import('./Scanner'), loadWholeDictionary(lang)]).then(([module]) => (loaded = module));
}

/** `continuous`: everything it reads until closed (a box of SIMs at a receipt). */
export function ScanButton({
  onScan,
  testId = 'scan-open',
  continuous = false,
}: {
  onScan: (text: string) => void;
  testId?: string;
  continuous?: boolean;
}) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const toggle = () => {
    if (open) {
      setOpen(false);
      return;
    }
    setFailed(false);
    loadScanner(lang).then(
      () => setOpen(true),
      () => setFailed(true),
    );
  };
  const Scanner = open ? loaded?.Scanner : undefined;
  return (
    <>
      <button type="button" className="scan-button" onClick={toggle} aria-expanded={open} data-testid={testId}>
        <span aria-hidden="true">▦ </span>
        {t('scan.open')}
      </button>
      {failed && (
        <p className="warning-box" role="alert">
          {t('error.network')}
        </p>
      )}
      {Scanner && (
        <Scanner
          continuous={continuous}
          onClose={() => setOpen(false)}
          onResult={(text) => {
            if (!continuous) setOpen(false);
            onScan(text);
          }}
        />
      )}
    </>
  );
}
