/**
 * The session: the token in localStorage, the signed-in user from `GET /auth/me` (asked when the
 * app starts, in parallel with the page's chunks and data: session-start.ts). A 401 from any
 * call ends the session and the login page says it expired.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { data, getToken, http, setToken, setUnauthorizedHandler } from '../api/client';
import type { User } from '../api/models';
import { initialLang, loadWholeDictionary } from '../i18n/i18n';
import { rememberRole, settledMe, takeMe } from './session-start';

interface AuthValue {
  user: User | null;
  /** True while the stored token is being checked at start-up. */
  checking: boolean;
  expired: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  // Already answered when main.tsx waited for the first screen: no "checking" render first.
  const [user, setUser] = useState<User | null>(() => settledMe()?.user ?? null);
  const [checking, setChecking] = useState(() => getToken() !== null && settledMe() === null);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      // The client calls this only when a stored token was refused.
      setToken(null);
      setExpired(true);
      setUser(null);
    });
    if (!getToken()) return;
    takeMe()
      .then(
        ({ user: me }) => {
          rememberRole(me.role);
          setUser(me);
        },
        () => {
          setToken(null);
          setExpired(true);
        },
      )
      .finally(() => setChecking(false));
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    // The page after the sign-in needs more strings than the sign-in screen's (i18n.tsx): with the answer, not after it.
    const [session] = await Promise.all([
      data(http.POST('/auth/login', { body: { username, password } })),
      loadWholeDictionary(initialLang()).catch(() => {}),
    ]);
    setToken(session.token);
    rememberRole(session.user.role);
    setExpired(false);
    setUser(session.user);
  }, []);

  const logout = useCallback(async () => {
    try {
      await data(http.POST('/auth/logout'));
    } catch {
      // Signed out here regardless; the token expires on its own.
    }
    setToken(null);
    rememberRole(null);
    setExpired(false);
    setUser(null);
  }, []);

  const value = useMemo(() => ({ user, checking, expired, login, logout }), [user, checking, expired, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for pages rendered behind the login. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser without a session');
  return user;
}
