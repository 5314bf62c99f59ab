import type { ReactNode } from 'react';

/** The four states every data view writes out: loading, error, empty, and (the caller's) success. */

export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <p className="data-state data-state--loading" role="status">
      {children}
    </p>
  );
}

interface ErrorStateProps {
  title: string;
  message: string;
  onRetry?: () => void;
}

export function ErrorState({ title, message, onRetry }: ErrorStateProps) {
  return (
    <div className="data-state data-state--error" role="alert">
      <p>
        <strong>{title}</strong> {message}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="data-state data-state--empty">{children}</div>;
}
