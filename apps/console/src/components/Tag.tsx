import type { ReactNode } from 'react';

interface TagProps {
  children: ReactNode;
  tone?: 'neutral' | 'info' | 'warning';
  /** Shown on hover; also put anything essential in the children, hover is not accessible. */
  title?: string;
}

/** A short label next to a name, e.g. "default" or "cordoned". */
export function Tag({ children, tone = 'neutral', title }: TagProps) {
  return (
    <span className={`tag tag--${tone}`} title={title}>
      {children}
    </span>
  );
}
