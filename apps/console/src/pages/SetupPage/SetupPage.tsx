import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useRestartSession } from '../../api/ApiProvider';
import { apiError } from '../../api/errors';
import { usePageTitle } from '../../app/usePageTitle';
import { LoginMutation } from '../SignInPage/signIn.graphql';
import { SetupFirstAdminMutation } from './setup.graphql';

/** Shown while no user exists: creates the first site admin and signs them in. */
export function SetupPage() {
  usePageTitle('Set up Outpost');
  const restartSession = useRestartSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [setup, setupState] = useMutation(SetupFirstAdminMutation);
  const [login, loginState] = useMutation(LoginMutation);
  const error = setupState.error ?? loginState.error;
  const busy = setupState.loading || loginState.loading;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await setup({ variables: { email, name, password } });
      await login({ variables: { email, password } });
      restartSession();
    } catch {
      // Shown below from the mutations' error state.
    }
  };

  return (
    <main className="centered">
      <form className="card auth-form" onSubmit={(e) => void submit(e)}>
        <h1>Set up Outpost</h1>
        <p>No one has signed up yet. Create the first site admin account.</p>
        <label>
          Name
          <input autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
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
            autoComplete="new-password"
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
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating the admin…' : 'Create admin and sign in'}
        </button>
      </form>
    </main>
  );
}
