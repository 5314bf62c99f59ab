import { ApolloProvider } from '@apollo/client/react';
import { createContext, Fragment, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { createApiBundle, type ApiBundle } from './client';
import { LiveConnectionContext } from './liveConnection';

const RestartSessionContext = createContext<(() => void) | null>(null);

interface ApiProviderProps {
  children: ReactNode;
  /** Tests pass a bundle around a mocked client. */
  createBundle?: () => ApiBundle;
}

/**
 * Provides the Apollo client and the live-connection state. Signing in or out replaces both: the
 * cache must not leak one user's data to the next, and the WebSocket authenticated with the old
 * cookie when it connected.
 */
export function ApiProvider({ children, createBundle = createApiBundle }: ApiProviderProps) {
  const [bundle, setBundle] = useState(createBundle);
  const current = useRef(bundle);
  const [generation, setGeneration] = useState(0);
  const restart = useCallback(() => {
    current.current.dispose();
    current.current = createBundle();
    setBundle(current.current);
    setGeneration((n) => n + 1);
  }, [createBundle]);
  return (
    <RestartSessionContext.Provider value={restart}>
      <LiveConnectionContext.Provider value={bundle.live}>
        <ApolloProvider client={bundle.client}>
          <Fragment key={generation}>{children}</Fragment>
        </ApolloProvider>
      </LiveConnectionContext.Provider>
    </RestartSessionContext.Provider>
  );
}

/** Call after the session cookie changed (sign-in, sign-out): starts over with a fresh client. */
export function useRestartSession(): () => void {
  const restart = useContext(RestartSessionContext);
  if (!restart) throw new Error('useRestartSession needs an <ApiProvider> above it.');
  return restart;
}
