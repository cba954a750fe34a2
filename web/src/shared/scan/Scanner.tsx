/**
 * Camera scanning of the barcode on a SIM card or its pack (Code 128 or QR). The browser's own
 * BarcodeDetector where it reads those formats; otherwise ZXing (scan/zxing.ts), bundled. Typing
 * always works: the scanner only fills the same box. Its own chunk, loaded when its button
 * (ScanButton.tsx) is first tapped.
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import './scanner.css';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

const FORMATS = ['code_128', 'qr_code'];

/** The native detector when it reads our formats, else null. */
async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    const supported = await Detector.getSupportedFormats();
    const formats = FORMATS.filter((f) => supported.includes(f));
    return formats.length > 0 ? new Detector({ formats }) : null;
  } catch {
    return null;
  }
}

/** Returns a function that reads one video frame, whichever decoder this browser uses. */
async function frameReader(): Promise<{ read: (video: HTMLVideoElement) => Promise<string | null>; engine: 'native' | 'zxing' }> {
  const native = await nativeDetector();
  if (native) {
    return { engine: 'native', read: async (video) => (await native.detect(video))[0]?.rawValue ?? null };
  }
  const { decodeCanvas } = await import('./zxing');
  const canvas = document.createElement('canvas');
  return {
    engine: 'zxing',
    read: async (video) => {
      if (!video.videoWidth) return null;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d', { willReadFrequently: true })!.drawImage(video, 0, 0);
      return decodeCanvas(canvas);
    },
  };
}

/**
 * The camera view; calls `onResult` with the first barcode read, then stops. `continuous` (a box
 * of SIMs at a receipt) keeps reading: each new code once, the same code again after a pause.
 */
export function Scanner({
  onResult,
  onClose,
  continuous = false,
}: {
  onResult: (text: string) => void;
  onClose: () => void;
  continuous?: boolean;
}) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<string>('');
  const [reads, setReads] = useState(0);
  const done = useRef(onResult);
  done.current = onResult;

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera');
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
        if (stopped) return;
        const el = video.current!;
        el.srcObject = stream;
        await el.play().catch(() => {});
        const reader = await frameReader();
        setEngine(reader.engine);
        let last = { text: '', at: 0 };
        const tick = async () => {
          if (stopped) return;
          const text = await reader.read(el).catch(() => null);
          if (text && !stopped && (text !== last.text || Date.now() - last.at > 3000)) {
            last = { text, at: Date.now() };
            navigator.vibrate?.(60);
            if (!continuous) {
              stopped = true;
              done.current(text);
              return;
            }
            setReads((n) => n + 1);
            done.current(text);
          }
          timer = setTimeout(tick, 200);
        };
        void tick();
      } catch {
        if (!stopped) setError(t('scan.no_camera'));
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [t, continuous]);

  return (
    <div className="scanner" role="dialog" aria-label={t('scan.title')} data-testid="scanner" data-engine={engine}>
      {error ? (
        <p className="warning-box" role="alert">
          {error}
        </p>
      ) : (
        <>
          <video ref={video} className="scanner-video" muted playsInline aria-hidden="true" />
          <p className="muted" role="status">
            {t('scan.hint')}
            {continuous && reads > 0 && ` · ${t('scan.reads', { count: reads })}`}
          </p>
        </>
      )}
      <button type="button" onClick={onClose} data-testid="scan-close">
        {t('action.close')}
      </button>
    </div>
  );
}
