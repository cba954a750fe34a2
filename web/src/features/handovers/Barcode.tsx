/** A Code 128 barcode as inline SVG (bwip-js, bundled: printing needs no network). */
import { toSVG } from 'bwip-js/browser';
import { useMemo } from 'react';

export function Barcode({ text, label }: { text: string; label: string }) {
  const svg = useMemo(() => {
    try {
      return toSVG({ bcid: 'code128', text, height: 7, scale: 2, includetext: false, paddingwidth: 10 });
    } catch {
      return '';
    }
  }, [text]);
  return <span className="barcode" role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />;
}
