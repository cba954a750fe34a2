/**
 * A fake camera for Chromium (`--use-file-for-fake-video-capture`): a Y4M video whose frames show
 * a Code 128 barcode, drawn from bwip-js's bar widths (no image codec needed), so a scanning test
 * reads exactly the ICCID it generated.
 */
import { writeFileSync } from 'node:fs';
import * as bwip from 'bwip-js';

// The module's default export holds its `raw` encoder (the named `raw` is the "raw" symbology).
const { raw } = (bwip as unknown as { default: { raw(options: { bcid: string; text: string }): Array<{ sbs: number[] }> } }).default;

const WIDTH = 640;
const HEIGHT = 480;

/** Writes a two-frame 640×480 YUV 4:2:0 video of `text` as Code 128, black on white. */
export function writeBarcodeVideo(path: string, text: string): void {
  const [symbol] = raw({ bcid: 'code128', text });
  const modules = symbol!.sbs.reduce((a, b) => a + b, 0);
  const scale = Math.max(1, Math.floor((WIDTH - 80) / modules));
  const left = Math.floor((WIDTH - modules * scale) / 2);
  const row = new Uint8Array(WIDTH).fill(235);
  let x = left;
  symbol!.sbs.forEach((width, i) => {
    // sbs alternates bar, space, bar, ... starting with a bar.
    if (i % 2 === 0) row.fill(16, x, x + width * scale);
    x += width * scale;
  });
  const y = new Uint8Array(WIDTH * HEIGHT).fill(235);
  for (let r = 140; r < 340; r++) y.set(row, r * WIDTH);
  const chroma = new Uint8Array((WIDTH / 2) * (HEIGHT / 2)).fill(128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
}
