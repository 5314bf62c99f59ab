import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useRestartSession } from '../../api/ApiProvider';
import { apiError } from '../../api/errors';
import { usePageTitle } from '../../app/usePageTitle';
import { LoginMutation } from './signIn.graphql';

export function SignInPage() {
  usePageTitle('Sign in');
  const restartSession = useRestartSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [login, { loading, error }] = useMutation(LoginMutation);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await login({ variables: { email, password } });
      // The server set the session cookie; start over with a client that sends it.
      restartSession();
    } catch {
      // Shown below from the mutation's error state.
    }
  };

  return (
    <main className="centered">
      <form className="card auth-form" onSubmit={(e) => void submit(e)}>
        <h1>Sign in to Outpost</h1>
        <label>
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="form-error">
            {apiError(error).message}
          </p>
        )}
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
