/**
 * The fallback decoder where the browser has no BarcodeDetector (Firefox, Safari, desktop
 * Chromium on Linux): ZXing's JavaScript port, bundled with the app (loaded only when a scan
 * starts), so scanning needs no network.
 */
import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  HTMLCanvasElementLuminanceSource,
  HybridBinarizer,
  MultiFormatReader,
} from '@zxing/library';

const hints = new Map<DecodeHintType, unknown>([
  [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.CODE_128, BarcodeFormat.QR_CODE]],
  [DecodeHintType.TRY_HARDER, true],
]);
const reader = new MultiFormatReader();
reader.setHints(hints);

/** The text of a Code 128 or QR code in the picture, or null. */
export function decodeCanvas(canvas: HTMLCanvasElement): string | null {
  try {
    return reader.decodeWithState(new BinaryBitmap(new HybridBinarizer(new HTMLCanvasElementLuminanceSource(canvas)))).getText();
  } catch {
    // NotFound, checksum or format errors: nothing readable in this frame.
    return null;
  } finally {
    reader.reset();
  }
}
