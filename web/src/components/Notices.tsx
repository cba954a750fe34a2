/** Short notices (a sale arrived, a check finished) in one polite live region. */
import { createContext, type ReactNode, useCallback, useContext, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';

type Kind = 'info' | 'success' | 'error';
interface Notice {
  id: number;
  text: string;
  kind: Kind;
}

const NoticeContext = createContext<(text: string, kind?: Kind) => void>(() => {});
/** A sale's notice, once per SIM whichever path reported it (the live stream, a manual check). */
const SaleContext = createContext<(sim: { id: number; iccid: string }) => void>(() => {});

export function NoticeProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [notices, setNotices] = useState<Notice[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (text: string, kind: Kind = 'info') => {
      const id = nextId.current++;
      // Many sales at once: keep the newest few on screen.
      setNotices((list) => [...list.slice(-3), { id, text, kind }]);
      setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );

  const announced = useRef(new Set<number>());
  const announceSale = useCallback(
    (sim: { id: number; iccid: string }) => {
      if (announced.current.has(sim.id)) return;
      announced.current.add(sim.id);
      notify(t('live.sold', { iccid: sim.iccid }), 'success');
    },
    [notify, t],
  );

  return (
    <NoticeContext.Provider value={notify}>
      <SaleContext.Provider value={announceSale}>{children}</SaleContext.Provider>
      <div className="notices" role="status" aria-live="polite" data-testid="notices">
        {notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.kind}`} data-testid="notice">
            <span>{n.text}</span>
            <button type="button" className="link-button" onClick={() => dismiss(n.id)} aria-label={t('action.dismiss')}>
              ×
            </button>
          </div>
        ))}
      </div>
    </NoticeContext.Provider>
  );
}

export function useNotify() {
  return useContext(NoticeContext);
}

/** Announces a sale: one notice per SIM, however many paths report it. */
export function useSaleNotice() {
  return useContext(SaleContext);
}
