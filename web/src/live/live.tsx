/**
 * The live event stream (`GET /events`, server-sent events) read with fetch so the token goes in
 * the Authorization header, not the URL. Pages subscribe with `useLiveEvent(name, handler)`;
 * a sale also raises a notice. It reconnects with backoff; `connected` lets pages fall back to
 * polling while the stream is down.
 */
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { API_BASE, getToken, reportUnauthorized } from '../api/client';
import { type LiveMessage, parseSseBlock } from './sse';

type Listener = (message: LiveMessage) => void;

interface LiveValue {
  connected: boolean;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveValue | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    let stopped = false;
    let controller: AbortController | null = null;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const connect = async () => {
      const token = getToken();
      if (!token || stopped) return;
      controller = new AbortController();
      try {
        const res = await fetch(`${API_BASE}/events`, {
          headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          reportUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        setConnected(true);
        attempt = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            const message = parseSseBlock(block);
            // The server ends the stream when the token expires.
            if (message?.event === 'session_expired') {
              reportUnauthorized();
              return;
            }
            if (message) for (const listener of listeners.current) listener(message);
          }
        }
      } catch {
        // Dropped or refused: retried below.
      }
      setConnected(false);
      if (stopped) return;
      attempt += 1;
      timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    };
  }, []);

  const value = useRef<LiveValue>({
    connected: false,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  return <LiveContext.Provider value={{ ...value.current, connected }}>{children}</LiveContext.Provider>;
}

export function useLiveConnected(): boolean {
  return useContext(LiveContext)?.connected ?? false;
}

/** Calls `handler` for each live message named `event`. */
export function useLiveEvent(event: string, handler: (data: unknown) => void): void {
  const ctx = useContext(LiveContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!ctx) return;
    return ctx.subscribe((message) => {
      if (message.event === event) latest.current(message.data);
    });
  }, [ctx?.subscribe, event]);
}
