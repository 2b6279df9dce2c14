import type { ReactNode } from 'react';
import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../api/index.js';
import { ApiRequestError, createApiClient } from '../api/index.js';
import { clearToken, loadToken, saveToken } from './token-store.js';

interface AuthState {
  /** The client for the signed-in token; undefined when signed out. */
  client: ApiClient | undefined;
  /** Why the user was signed out (a revoked token, …), shown on the sign-in page. */
  signedOutReason: string | undefined;
  /** Checks the token against the server; resolves when it works, throws an ApiRequestError when not. */
  signIn: (token: string) => Promise<void>;
  signOut: (reason?: string) => void;
}

const AuthContext = createContext<AuthState | undefined>(undefined);

export const REVOKED_MESSAGE =
  'Your API token is no longer accepted: it was revoked or the server was reset. Sign in with a valid token.';

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState<string | undefined>(undefined);
  const [token, setToken] = useState<string | undefined>(() => loadToken());

  const signOut = useCallback(
    (why?: string) => {
      clearToken();
      setToken(undefined);
      setReason(why);
      queryClient.clear();
    },
    [queryClient],
  );

  const client = useMemo(
    () =>
      token === undefined
        ? undefined
        : createApiClient({ token, onUnauthorized: () => signOut(REVOKED_MESSAGE) }),
    [token, signOut],
  );

  const signIn = useCallback(async (candidate: string) => {
    const trimmed = candidate.trim();
    if (trimmed === '') throw new ApiRequestError(0, 'EMPTY_TOKEN', 'Paste an API token to sign in.');
    // Any authenticated route tells whether the token is good; the project list is small.
    await createApiClient({ token: trimmed }).listProjects();
    saveToken(trimmed);
    setReason(undefined);
    setToken(trimmed);
  }, []);

  const value = useMemo(
    () => ({ client, signedOutReason: reason, signIn, signOut }),
    [client, reason, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (auth === undefined) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** The API client of a signed-in page (pages behind `RequireAuth` only). */
export function useApi(): ApiClient {
  const { client } = useAuth();
  if (client === undefined) throw new Error('useApi while signed out');
  return client;
}
