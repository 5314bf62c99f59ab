export type Status = 'PENDING' | 'READY' | 'ERROR';

const LABELS: Record<Status, string> = { PENDING: 'Pending', READY: 'Ready', ERROR: 'Error' };
// A glyph next to the colour, so the status reads without colour vision too.
const GLYPHS: Record<Status, string> = { PENDING: '◌', READY: '●', ERROR: '▲' };

export function statusLabel(status: Status): string {
  return LABELS[status];
}

/** A provider status as colour and text (Pending / Ready / Error). */
export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`status-badge status-badge--${status.toLowerCase()}`}>
      <span aria-hidden="true">{GLYPHS[status]}</span> {LABELS[status]}
    </span>
  );
}
