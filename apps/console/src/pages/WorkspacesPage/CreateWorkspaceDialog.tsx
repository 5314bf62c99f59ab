import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { apiError } from '../../api/errors';
import { ErrorState, Loading } from '../../components/DataState';
import type { CreateWorkspaceMutation as CreateWorkspaceData } from '../../generated/graphql';
import { initialProviderId, providerOptions } from './providerOptions';
import {
  CreateWorkspaceMutation,
  CreateWorkspaceOrganizationsQuery,
  OrganizationProvidersQuery,
} from './workspaces.graphql';

export type CreatedWorkspace = CreateWorkspaceData['createWorkspace'];

interface Props {
  onClose: () => void;
  onCreated: (workspace: CreatedWorkspace) => void;
}

/**
 * "Create an Environment": organization, name and provider. A modal dialog (role=dialog, aria-modal),
 * focused on the name when it opens, closed by Escape or Cancel; focus returns to what opened it.
 */
export function CreateWorkspaceDialog({ onClose, onCreated }: Props) {
  const titleId = useId();
  const nameInput = useRef<HTMLInputElement>(null);
  const [organizationId, setOrganizationId] = useState<string | null>(null);
  const [picked, setPicked] = useState<{ organizationId: string; providerId: string } | null>(null);
  const [name, setName] = useState('');

  const organizations = useQuery(CreateWorkspaceOrganizationsQuery);
  const memberships = organizations.data?.me?.memberships ?? [];
  const selectedOrganizationId = organizationId ?? memberships[0]?.organization.id ?? null;

  const providers = useQuery(OrganizationProvidersQuery, {
    variables: { id: selectedOrganizationId ?? '' },
    skip: selectedOrganizationId === null,
  });
  const options =
    providers.data?.organization.id === selectedOrganizationId
      ? providerOptions(providers.data.organization.allowedProviders)
      : null;
  const providerId =
    picked && picked.organizationId === selectedOrganizationId
      ? picked.providerId
      : options
        ? initialProviderId(options)
        : null;

  const [createWorkspace, { loading: creating, error, reset }] = useMutation(CreateWorkspaceMutation);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    nameInput.current?.focus();
    return () => opener?.focus?.();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const pickProvider = (id: string) => {
    if (selectedOrganizationId) setPicked({ organizationId: selectedOrganizationId, providerId: id });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!selectedOrganizationId || !providerId) return;
    try {
      const result = await createWorkspace({
        variables: { organizationId: selectedOrganizationId, name: name.trim(), providerId },
      });
      if (result.data) onCreated(result.data.createWorkspace);
    } catch {
      // Shown below from the mutation's error state.
    }
  };

  const failure = error ? apiError(error) : null;
  const alternative =
    failure?.code === 'PRECONDITION_FAILED' ? asProviderRef(failure.extensions.alternativeProvider) : null;
  const alternativeOption = alternative
    ? options?.find((o) => o.provider.id === alternative.id && o.disabledReason === null)
    : undefined;

  return (
    <div className="modal-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby={titleId} className="modal card">
        <h2 id={titleId}>Create an Environment</h2>
        <form className="form" onSubmit={(e) => void submit(e)}>
          <label className="form__field">
            <span>Organization</span>
            <select
              value={selectedOrganizationId ?? ''}
              onChange={(e) => {
                setOrganizationId(e.target.value);
                reset();
              }}
              disabled={memberships.length === 0}
            >
              {memberships.length === 0 && (
                <option value="">{organizations.loading ? 'Loading…' : 'No organizations'}</option>
              )}
              {memberships.map((m) => (
                <option key={m.organization.id} value={m.organization.id}>
                  {m.organization.name}
                </option>
              ))}
            </select>
          </label>
          {organizations.error && (
            <ErrorState
              title="Cannot load your organizations."
              message={apiError(organizations.error).message}
              onRetry={() => void organizations.refetch()}
            />
          )}
          {organizations.data && memberships.length === 0 && (
            <p className="muted">
              You are not a member of any organization yet: ask a site admin to add you.
            </p>
          )}
          <label className="form__field">
            <span>Name</span>
            <input
              ref={nameInput}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              autoComplete="off"
            />
          </label>
          <fieldset className="provider-picker">
            <legend>Provider</legend>
            {providers.error && (
              <ErrorState
                title="Cannot load the providers."
                message={apiError(providers.error).message}
                onRetry={() => void providers.refetch()}
              />
            )}
            {!providers.error && selectedOrganizationId && !options && <Loading>Loading providers…</Loading>}
            {options?.length === 0 && (
              <p className="muted">This organization may not use any provider yet: ask a site admin.</p>
            )}
            {options?.map(({ provider, disabledReason }) => {
              const reasonId = `${titleId}-reason-${provider.id}`;
              return (
                <label
                  key={provider.id}
                  className={`provider-picker__option${disabledReason ? ' provider-picker__option--disabled' : ''}`}
                >
                  <input
                    type="radio"
                    name="provider"
                    value={provider.id}
                    checked={providerId === provider.id}
                    disabled={disabledReason !== null}
                    onChange={() => pickProvider(provider.id)}
                    aria-describedby={disabledReason ? reasonId : undefined}
                  />
                  <span>
                    {provider.displayName} <span className="muted">({provider.name})</span>
                    {provider.isDefault && <span className="muted"> · default</span>}
                  </span>
                  {disabledReason && (
                    <span id={reasonId} className="provider-picker__reason">
                      {disabledReason}
                    </span>
                  )}
                </label>
              );
            })}
          </fieldset>
          {failure && (
            <div role="alert" className="form-error">
              <p>{failure.message}</p>
              {alternative && (
                <p>
                  Suggested alternative: <strong>{alternative.name}</strong>{' '}
                  {alternativeOption && (
                    <button type="button" onClick={() => pickProvider(alternative.id)}>
                      Use {alternative.name}
                    </button>
                  )}
                </p>
              )}
            </div>
          )}
          <div className="form__actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="submit"
              className="primary"
              disabled={creating || !providerId || !selectedOrganizationId}
            >
              {creating ? 'Creating…' : 'Create'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function asProviderRef(value: unknown): { id: string; name: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, name } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : null;
}
