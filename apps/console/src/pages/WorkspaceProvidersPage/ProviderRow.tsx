import { RelativeTime } from '../../components/RelativeTime';
import { StatusBadge } from '../../components/StatusBadge';
import { Tag } from '../../components/Tag';
import type { ProviderRowFragment } from '../../generated/graphql';

interface ProviderRowProps {
  provider: ProviderRowFragment;
  expanded: boolean;
  onToggle: () => void;
  /** id of the details element this row's button controls. */
  detailsId: string;
}

/** One provider, collapsed: the summary line of the list. Column labels are for screen readers. */
export function ProviderRow({ provider, expanded, onToggle, detailsId }: ProviderRowProps) {
  const organizations = provider.allowedOrganizations?.length ?? 0;
  return (
    <div className={`provider-row provider-grid ${expanded ? 'provider-row--expanded' : ''}`}>
      <div className="provider-row__name">
        <button
          type="button"
          className="provider-row__toggle"
          aria-expanded={expanded}
          aria-controls={detailsId}
          onClick={onToggle}
        >
          <span aria-hidden="true" className="provider-row__chevron">
            {expanded ? '▾' : '▸'}
          </span>
          <span className="provider-row__title">{provider.name}</span>
        </button>
        {provider.displayName !== provider.name && (
          <span className="provider-row__display-name">{provider.displayName}</span>
        )}
        <span className="provider-row__tags">
          {provider.isDefault && <Tag tone="info">default</Tag>}
          {provider.cordoned && (
            <Tag tone="warning" title={provider.cordonReason ?? undefined}>
              cordoned{provider.cordonReason ? `: ${provider.cordonReason}` : ''}
            </Tag>
          )}
        </span>
      </div>
      <div>
        <span className="visually-hidden">Region: </span>
        {provider.region}
      </div>
      <div>
        <span className="visually-hidden">Status: </span>
        <StatusBadge status={provider.status} />
        {provider.status === 'ERROR' && provider.statusMessage && (
          <span className="provider-row__message" title={provider.statusMessage}>
            {provider.statusMessage}
          </span>
        )}
      </div>
      <div>
        <span className="visually-hidden">Last heartbeat: </span>
        <RelativeTime value={provider.lastHeartbeatAt} />
      </div>
      <div className="numeric">
        <span className="visually-hidden">Workspaces: </span>
        {provider.workspaceCount}
      </div>
      <div className="numeric">
        <span className="visually-hidden">Allowed organizations: </span>
        {organizations}
      </div>
    </div>
  );
}

/** The visual column headings; each cell carries its own label for assistive technology. */
export function ProviderRowHeader() {
  return (
    <div className="provider-grid provider-header" aria-hidden="true">
      <div>Name</div>
      <div>Region</div>
      <div>Status</div>
      <div>Last heartbeat</div>
      <div className="numeric">Workspaces</div>
      <div className="numeric">Organizations</div>
    </div>
  );
}
