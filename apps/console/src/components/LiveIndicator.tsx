import type { LiveStatus } from '../api/liveConnection';

const TEXT: Record<LiveStatus, string> = {
  idle: 'Live updates off',
  connecting: 'Connecting live updates…',
  live: 'Live',
  reconnecting: 'Live updates disconnected — reconnecting…',
};

/** Whether the page is receiving live updates; announced politely when it changes. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <span className={`live-indicator live-indicator--${status}`} role="status">
      <span aria-hidden="true" className="live-indicator__dot" />
      {TEXT[status]}
    </span>
  );
}
