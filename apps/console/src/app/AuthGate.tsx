import { useQuery } from '@apollo/client/react';
import { apiError } from '../api/errors';
import { ErrorState, Loading } from '../components/DataState';
import { SetupPage } from '../pages/SetupPage/SetupPage';
import { SignInPage } from '../pages/SignInPage/SignInPage';
import { AppRoutes } from './AppRoutes';
import { Layout } from './Layout';
import { SessionQuery } from './session.graphql';
import { ViewerContext } from './viewer';

/** First-admin setup while no user exists, the sign-in form while signed out, the console otherwise. */
export function AuthGate() {
  const { data, error, refetch } = useQuery(SessionQuery);
  if (error) {
    return (
      <main className="centered">
        <ErrorState
          title="Cannot load your session."
          message={apiError(error).message}
          onRetry={() => void refetch()}
        />
      </main>
    );
  }
  if (!data) {
    return (
      <main className="centered">
        <Loading>Loading Outpost…</Loading>
      </main>
    );
  }
  if (data.setupRequired) return <SetupPage />;
  if (!data.me) return <SignInPage />;
  return (
    <ViewerContext.Provider value={data.me}>
      <Layout>
        <AppRoutes />
      </Layout>
    </ViewerContext.Provider>
  );
}
