import { useSyncExternalStore } from 'react';

// One clock for every RelativeTime on the page: a thousand rows share a single interval.
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!timer) {
    // The clock stood still while nobody listened; React re-reads the snapshot after subscribing.
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}

/** "12 s ago", "5 min ago", "3 h ago", "4 d ago"; a time slightly ahead (clock skew) reads "just now". */
export function formatRelative(iso: string, nowMs: number): string {
  const seconds = Math.floor((nowMs - Date.parse(iso)) / 1000);
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

interface RelativeTimeProps {
  value: string | null | undefined;
  /** What to show without a time. */
  fallback?: string;
}

/** A time as "12 s ago", updated every second, with the exact time in `dateTime` and on hover. */
export function RelativeTime({ value, fallback = 'never' }: RelativeTimeProps) {
  const nowMs = useNow();
  if (!value) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value, nowMs)}
    </time>
  );
}
