/**
 * An ICCID as printed on the card: groups of four, the last four digits (the ones staff read off
 * the card and type into the search) emphasised.
 */
import { groupIccid } from './iccid';
import './iccid.css';

export function IccidText({ iccid, className }: { iccid: string; className?: string }) {
  const grouped = groupIccid(iccid);
  // Where the last four digits start in the grouped text (a group's space may fall inside them).
  let digits = 0;
  let cut = grouped.length;
  while (cut > 0 && digits < 4) {
    cut--;
    if (grouped[cut] !== ' ') digits++;
  }
  return (
    <span className={`iccid mono ${className ?? ''}`} data-iccid={iccid}>
      {grouped.slice(0, cut)}
      <strong className="iccid-tail">{grouped.slice(cut)}</strong>
    </span>
  );
}
