import { EmptyState } from '../../components/DataState';
import { formatDateTime, RelativeTime } from '../../components/RelativeTime';
import { StatusBadge } from '../../components/StatusBadge';
import type { ProviderDetailsFragment } from '../../generated/graphql';

type StatusEvent = NonNullable<ProviderDetailsFragment['statusHistory']>[number];

/** Status transitions, newest first: from → to, why, and when. */
export function StatusTimeline({ events }: { events: readonly StatusEvent[] }) {
  if (events.length === 0) return <EmptyState>No status changes recorded yet.</EmptyState>;
  return (
    <ol className="timeline" aria-label="Status history, newest first">
      {events.map((event) => (
        <li key={event.id} className="timeline__item">
          <span className="timeline__transition">
            {event.fromStatus ? (
              <>
                <StatusBadge status={event.fromStatus} /> <span aria-label="to">→</span>{' '}
              </>
            ) : (
              <span className="muted">Registered as </span>
            )}
            <StatusBadge status={event.toStatus} />
          </span>
          <span className="timeline__when" title={formatDateTime(event.at)}>
            <RelativeTime value={event.at} />
          </span>
          {event.message && <p className="timeline__message">{event.message}</p>}
        </li>
      ))}
    </ol>
  );
}
