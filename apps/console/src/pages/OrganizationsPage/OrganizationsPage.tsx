import { useQuery } from '@apollo/client/react';
import { Fragment, useState } from 'react';
import { apiError } from '../../api/errors';
import { usePageTitle } from '../../app/usePageTitle';
import { EmptyState, ErrorState, Loading } from '../../components/DataState';
import { StatusBadge } from '../../components/StatusBadge';
import { CreateOrganizationForm } from './CreateOrganizationForm';
import { OrganizationMembers } from './OrganizationMembers';
import { OrganizationsQuery } from './organizations.graphql';

/** Site staff: every organization, the providers it may use, its members; create one, manage members. */
export function OrganizationsPage() {
  usePageTitle('Organizations');
  const { data, error, loading, refetch } = useQuery(OrganizationsQuery, {
    notifyOnNetworkStatusChange: true,
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);

  const organizations = data ? [...data.organizations].sort((a, b) => a.name.localeCompare(b.name)) : [];

  return (
    <div className="page">
      <div className="page__heading">
        <h1>Organizations</h1>
        {data && (
          <span className="muted">
            {organizations.length} organization{organizations.length === 1 ? '' : 's'}
            {loading && ' · refreshing…'}
          </span>
        )}
        {!creating && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreating(true);
              setCreated(null);
            }}
          >
            Create an organization
          </button>
        )}
      </div>
      {creating && (
        <CreateOrganizationForm
          onCancel={() => setCreating(false)}
          onCreated={(organization) => {
            setCreating(false);
            setCreated(organization.name);
            setExpanded(organization.id);
            void refetch().catch(() => undefined);
          }}
        />
      )}
      {created && (
        <p role="status" className="muted">
          Organization {created} created.
        </p>
      )}
      {!data && loading && <Loading>Loading organizations…</Loading>}
      {error && (
        <ErrorState
          title={data ? 'The list may be out of date.' : 'Cannot load the organizations.'}
          message={apiError(error).message}
          onRetry={() => void refetch().catch(() => undefined)}
        />
      )}
      {data && organizations.length === 0 && (
        <EmptyState>
          <p>No organizations yet.</p>
          <p className="muted">Create one with “Create an organization”.</p>
        </EmptyState>
      )}
      {data && organizations.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Organizations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Slug</th>
              <th scope="col">Members</th>
              <th scope="col">Providers</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {organizations.map((organization) => {
              const open = expanded === organization.id;
              const panelId = `organization-${organization.id}-members`;
              const providers = [...organization.allowedProviders].sort((a, b) =>
                (a.displayName || a.name).localeCompare(b.displayName || b.name),
              );
              return (
                <Fragment key={organization.id}>
                  <tr>
                    <th scope="row">{organization.name}</th>
                    <td>
                      <code>{organization.slug}</code>
                    </td>
                    <td>{organization.members.length}</td>
                    <td>
                      {providers.length === 0 ? (
                        <span className="muted">None</span>
                      ) : (
                        <ul className="org-providers" aria-label={`Providers ${organization.name} may use`}>
                          {providers.map((provider) => (
                            <li key={provider.id}>
                              {provider.displayName || provider.name} <StatusBadge status={provider.status} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-expanded={open}
                        aria-controls={open ? panelId : undefined}
                        aria-label={`Members of ${organization.name}`}
                        onClick={() => setExpanded(open ? null : organization.id)}
                      >
                        {open ? 'Hide members' : 'Members'}
                      </button>
                    </td>
                  </tr>
                  {open && (
                    <tr id={panelId} className="org-details">
                      <td colSpan={5}>
                        <OrganizationMembers organization={organization} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
