import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { apiError } from '../../api/errors';
import type { ProviderRowFragment } from '../../generated/graphql';
import {
  CordonProviderMutation,
  SetDefaultProviderMutation,
  UncordonProviderMutation,
} from './providers.graphql';

/** Set as default; cordon with a reason, or uncordon. */
export function ProviderActions({ provider }: { provider: ProviderRowFragment }) {
  const [setDefault, setDefaultState] = useMutation(SetDefaultProviderMutation);
  const [cordon, cordonState] = useMutation(CordonProviderMutation);
  const [uncordon, uncordonState] = useMutation(UncordonProviderMutation);
  const [cordoning, setCordoning] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const reasonId = useId();
  const error = setDefaultState.error ?? cordonState.error ?? uncordonState.error;

  const submitCordon = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setReasonError('Give a reason: it tells others why new workspaces cannot go here.');
      return;
    }
    setReasonError(null);
    try {
      await cordon({ variables: { id: provider.id, reason: reason.trim() } });
      setCordoning(false);
      setReason('');
    } catch {
      // Shown below from the mutation's error state.
    }
  };

  return (
    <div className="provider-actions">
      {provider.isDefault ? (
        <p className="muted">This is the default provider for new environments.</p>
      ) : (
        <button
          type="button"
          disabled={setDefaultState.loading}
          onClick={() => void setDefault({ variables: { id: provider.id } }).catch(() => undefined)}
        >
          {setDefaultState.loading ? 'Setting as default…' : 'Set as default'}
        </button>
      )}

      {provider.cordoned ? (
        <button
          type="button"
          disabled={uncordonState.loading}
          onClick={() => void uncordon({ variables: { id: provider.id } }).catch(() => undefined)}
        >
          {uncordonState.loading ? 'Uncordoning…' : 'Uncordon'}
        </button>
      ) : cordoning ? (
        <form className="inline-form" onSubmit={(e) => void submitCordon(e)} noValidate>
          <label htmlFor={reasonId}>Reason for cordoning</label>
          <input
            id={reasonId}
            value={reason}
            required
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${reasonId}-error` : undefined}
            onChange={(e) => setReason(e.target.value)}
            autoFocus
          />
          <button type="submit" disabled={cordonState.loading}>
            {cordonState.loading ? 'Cordoning…' : 'Cordon provider'}
          </button>
          <button type="button" onClick={() => setCordoning(false)}>
            Cancel
          </button>
          {reasonError && (
            <p id={`${reasonId}-error`} className="form-error">
              {reasonError}
            </p>
          )}
        </form>
      ) : (
        <button type="button" onClick={() => setCordoning(true)}>
          Cordon…
        </button>
      )}

      {error && (
        <p role="alert" className="form-error">
          {apiError(error).message}
        </p>
      )}
    </div>
  );
}
