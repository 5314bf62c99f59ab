import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { apiError } from '../../api/errors';
import { EmptyState } from '../../components/DataState';
import type { ProviderDetailsQuery } from '../../generated/graphql';
import {
  AddToAllowlistMutation,
  AllowlistOrganizationsQuery,
  RemoveFromAllowlistMutation,
} from './providers.graphql';

type Provider = ProviderDetailsQuery['workspaceProvider'];

interface Refusal {
  organization: string;
  message: string;
  workspaces: { id: string; name: string }[];
}

/** The refusal's `extensions.workspaces` (rule 4): what keeps the organization on the allowlist. */
function workspacesInTheWay(extensions: Record<string, unknown>): { id: string; name: string }[] {
  const value = extensions.workspaces;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (w): w is { id: string; name: string } =>
      typeof w === 'object' && w !== null && typeof w.id === 'string' && typeof w.name === 'string',
  );
}

/** Which organizations may create workspaces in the provider: add one, remove one. */
export function AllowlistSection({ provider }: { provider: Provider }) {
  const allowed = provider.allowedOrganizations ?? [];
  const counts = new Map(
    (provider.workspaceCountsByOrganization ?? []).map((c) => [c.organization.id, c.count] as const),
  );
  const [remove, removeState] = useMutation(RemoveFromAllowlistMutation);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const removeOrganization = async (organization: { id: string; name: string }) => {
    setRefusal(null);
    setRemoveError(null);
    try {
      await remove({ variables: { providerId: provider.id, organizationId: organization.id } });
    } catch (error) {
      const { code, message, extensions } = apiError(error);
      if (code === 'PRECONDITION_FAILED') {
        setRefusal({ organization: organization.name, message, workspaces: workspacesInTheWay(extensions) });
      } else {
        setRemoveError(message);
      }
    }
  };

  return (
    <div className="allowlist">
      {allowed.length === 0 ? (
        <EmptyState>No organization may use this provider yet.</EmptyState>
      ) : (
        <ul className="allowlist__items" aria-label="Allowed organizations">
          {allowed.map((organization) => {
            const count = counts.get(organization.id) ?? 0;
            return (
              <li key={organization.id}>
                <span>
                  {organization.name} <span className="muted">({organization.slug})</span>
                </span>
                <span className="muted">
                  {count} workspace{count === 1 ? '' : 's'}
                </span>
                <button
                  type="button"
                  disabled={removeState.loading}
                  aria-label={`Remove ${organization.name} from the allowlist`}
                  onClick={() => void removeOrganization(organization)}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {refusal && (
        <div role="alert" className="refusal">
          <p>
            <strong>{refusal.organization} stays on the allowlist.</strong> {refusal.message}
          </p>
          {refusal.workspaces.length > 0 && (
            <>
              <p>Its workspaces in this provider:</p>
              <ul aria-label={`Workspaces of ${refusal.organization} in this provider`}>
                {refusal.workspaces.map((workspace) => (
                  <li key={workspace.id}>{workspace.name}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {removeError && (
        <p role="alert" className="form-error">
          {removeError}
        </p>
      )}
      <AddOrganizationForm provider={provider} />
    </div>
  );
}

function AddOrganizationForm({ provider }: { provider: Provider }) {
  const { data, error, refetch } = useQuery(AllowlistOrganizationsQuery);
  const [add, addState] = useMutation(AddToAllowlistMutation);
  const [organizationId, setOrganizationId] = useState('');
  const selectId = useId();
  const allowedIds = new Set((provider.allowedOrganizations ?? []).map((o) => o.id));

  if (error) {
    return (
      <p role="alert" className="form-error">
        Cannot load organizations: {apiError(error).message}{' '}
        <button type="button" onClick={() => void refetch()}>
          Try again
        </button>
      </p>
    );
  }
  if (!data) return <p className="muted">Loading organizations…</p>;
  const candidates = data.organizations.filter((o) => !allowedIds.has(o.id));
  if (candidates.length === 0) {
    return <p className="muted">Every organization is on the allowlist.</p>;
  }
  const selected = candidates.some((o) => o.id === organizationId) ? organizationId : '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!selected) return;
    try {
      await add({ variables: { providerId: provider.id, organizationId: selected } });
      setOrganizationId('');
    } catch {
      // Shown below from the mutation's error state.
    }
  };

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={selectId}>Add an organization</label>
      <select id={selectId} value={selected} onChange={(e) => setOrganizationId(e.target.value)}>
        <option value="">Choose an organization…</option>
        {candidates.map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name} ({organization.slug})
          </option>
        ))}
      </select>
      <button type="submit" disabled={!selected || addState.loading}>
        {addState.loading ? 'Adding…' : 'Add to allowlist'}
      </button>
      {addState.error && (
        <p role="alert" className="form-error">
          {apiError(addState.error).message}
        </p>
      )}
    </form>
  );
}
