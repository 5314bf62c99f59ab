import { useQuery } from '@apollo/client/react';
import type { ReactNode } from 'react';
import { apiError } from '../../api/errors';
import { EmptyState, ErrorState, Loading } from '../../components/DataState';
import { RelativeTime } from '../../components/RelativeTime';
import { StatusBadge } from '../../components/StatusBadge';
import type { ProviderDetailsQuery as ProviderDetailsData } from '../../generated/graphql';
import { AllowlistSection } from './AllowlistSection';
import { ProviderActions } from './ProviderActions';
import { ProviderDetailsQuery } from './providers.graphql';
import { StatusTimeline } from './StatusTimeline';

type Provider = ProviderDetailsData['workspaceProvider'];

/** Loads and shows the details of an expanded row. Live events keep them current through the cache. */
export function ProviderDetailsPanel({ id, name }: { id: string; name: string }) {
  const { data, error, refetch } = useQuery(ProviderDetailsQuery, { variables: { id } });
  if (error && !data) {
    return (
      <ErrorState
        title={`Cannot load the details of ${name}.`}
        message={apiError(error).message}
        onRetry={() => void refetch()}
      />
    );
  }
  if (!data) return <Loading>Loading the details of {name}…</Loading>;
  return <ProviderDetails provider={data.workspaceProvider} />;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">not reported</span>}</dd>
    </div>
  );
}

export function ProviderDetails({ provider }: { provider: Provider }) {
  const checks = provider.checkResults ?? [];
  return (
    <div className="provider-details">
      <section aria-labelledby={`${provider.id}-status`}>
        <h3 id={`${provider.id}-status`}>Status</h3>
        <p>
          <StatusBadge status={provider.status} /> since <RelativeTime value={provider.statusChangedAt} />
        </p>
        {provider.statusMessage ? (
          <pre className={`status-message status-message--${provider.status.toLowerCase()}`}>
            {provider.statusMessage}
          </pre>
        ) : (
          <p className="muted">No status message.</p>
        )}
        {provider.versionWarning && <p className="warning">{provider.versionWarning}</p>}
      </section>

      <section aria-labelledby={`${provider.id}-actions`}>
        <h3 id={`${provider.id}-actions`}>Actions</h3>
        <ProviderActions provider={provider} />
      </section>

      <section aria-labelledby={`${provider.id}-cluster`}>
        <h3 id={`${provider.id}-cluster`}>Cluster</h3>
        <dl className="fields">
          <Field label="Cluster address">{provider.clusterAddress}</Field>
          <Field label="Namespace">{provider.namespace}</Field>
          <Field label="Access URL">
            {provider.accessUrl && (
              <a href={provider.accessUrl} target="_blank" rel="noreferrer">
                {provider.accessUrl}
              </a>
            )}
          </Field>
          <Field label="Agent version">{provider.agentVersion}</Field>
          <Field label="Kubernetes version">{provider.kubernetesVersion}</Field>
          <Field label="Chart version">{provider.chartVersion}</Field>
          <Field label="Last heartbeat">
            <RelativeTime value={provider.lastHeartbeatAt} />
          </Field>
        </dl>
      </section>

      <section aria-labelledby={`${provider.id}-checks`}>
        <h3 id={`${provider.id}-checks`}>Agent checks</h3>
        {checks.length === 0 ? (
          <EmptyState>The agent has not reported any checks yet.</EmptyState>
        ) : (
          <ul className="checks">
            {checks.map((check) => (
              <li key={check.name} className={check.passed ? 'check check--passed' : 'check check--failed'}>
                <span className="check__result">
                  <span aria-hidden="true">{check.passed ? '✓' : '✗'}</span>{' '}
                  {check.passed ? 'Passed' : 'Failed'}
                </span>{' '}
                <span className="check__name">{check.name}</span>
                {check.message && <span className="check__message">{check.message}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby={`${provider.id}-history`}>
        <h3 id={`${provider.id}-history`}>Status history</h3>
        <StatusTimeline events={provider.statusHistory ?? []} />
      </section>

      <section aria-labelledby={`${provider.id}-allowlist`}>
        <h3 id={`${provider.id}-allowlist`}>Allowed organizations</h3>
        <AllowlistSection provider={provider} />
      </section>
    </div>
  );
}
