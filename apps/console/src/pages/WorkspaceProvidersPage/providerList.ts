/** The list's membership and order: ids by name, as the API orders them. Fields live in Apollo's cache. */
export interface ProviderEntry {
  id: string;
  name: string;
}

export interface ProviderEvent {
  providerId: string;
  /** Null after a delete, or when the viewer may no longer see the provider. */
  provider: { id: string; name: string } | null;
}

function byName(a: ProviderEntry, b: ProviderEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Applies one subscription event to the list. Idempotent, so events that raced a reload can be applied
 * again on top of its result. Returns the same array when nothing changed (no re-render).
 */
export function applyProviderEvent(entries: readonly ProviderEntry[], event: ProviderEvent): ProviderEntry[] {
  const index = entries.findIndex((entry) => entry.id === event.providerId);
  if (!event.provider) {
    return index === -1 ? (entries as ProviderEntry[]) : entries.filter((_, i) => i !== index);
  }
  const { id, name } = event.provider;
  if (index !== -1 && entries[index]!.name === name) return entries as ProviderEntry[];
  const rest = index === -1 ? [...entries] : entries.filter((_, i) => i !== index);
  const at = rest.findIndex((entry) => byName({ id, name }, entry) < 0);
  rest.splice(at === -1 ? rest.length : at, 0, { id, name });
  return rest;
}
