import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';

interface VirtualListProps<T> {
  items: readonly T[];
  getKey: (item: T) => string;
  renderItem: (item: T, index: number) => ReactNode;
  /** Height of an item not measured yet, in pixels. */
  estimatedItemHeight: number;
  /** Accessible name of the list. */
  label: string;
  /** Items rendered beyond each edge of the viewport, so fast scrolling and Tab find them mounted. */
  overscan?: number;
  className?: string;
}

/** Without layout (jsdom, happy-dom) the viewport has no height; render as if it had this many pixels. */
const FALLBACK_VIEWPORT_HEIGHT = 800;

/**
 * A list that mounts only the items in and near its scrolling viewport. Items may have any height and
 * change it (expanding rows): each rendered item is measured, the rest use the estimate. Space for the
 * items not rendered is padding on the list, so rendered items stay in normal flow.
 */
export function VirtualList<T>({
  items,
  getKey,
  renderItem,
  estimatedItemHeight,
  label,
  overscan = 8,
  className,
}: VirtualListProps<T>) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(FALLBACK_VIEWPORT_HEIGHT);
  const [heights, setHeights] = useState<ReadonlyMap<string, number>>(() => new Map());

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      setViewportHeight(viewport.clientHeight || FALLBACK_VIEWPORT_HEIGHT);
    });
    observer.observe(viewport);
    return () => observer.disconnect();
  }, []);

  // One observer for all rendered items; it reports their heights as they change.
  const itemObserver = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            setHeights((previous) => {
              let next: Map<string, number> | undefined;
              for (const entry of entries) {
                const key = (entry.target as HTMLElement).dataset.virtualKey;
                const height = (entry.target as HTMLElement).offsetHeight;
                if (key !== undefined && height > 0 && previous.get(key) !== height) {
                  next ??= new Map(previous);
                  next.set(key, height);
                }
              }
              return next ?? previous;
            });
          }),
    [],
  );
  useEffect(() => () => itemObserver?.disconnect(), [itemObserver]);

  const measure = useCallback(
    (element: HTMLLIElement | null) => {
      if (!element || !itemObserver) return;
      itemObserver.observe(element);
      return () => itemObserver.unobserve(element);
    },
    [itemObserver],
  );

  // offsets[i] = top of item i; offsets[items.length] = total height.
  const offsets = useMemo(() => {
    const result = new Array<number>(items.length + 1);
    result[0] = 0;
    items.forEach((item, i) => {
      result[i + 1] = result[i]! + (heights.get(getKey(item)) ?? estimatedItemHeight);
    });
    return result;
  }, [items, getKey, estimatedItemHeight, heights]);

  const first = Math.max(0, lastIndexAtOrBefore(offsets, scrollTop) - overscan);
  const last = Math.min(
    items.length,
    lastIndexAtOrBefore(offsets, scrollTop + viewportHeight) + 1 + overscan,
  );
  const total = offsets[items.length]!;

  return (
    <div
      ref={viewportRef}
      className={`virtual-list ${className ?? ''}`}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <ul
        aria-label={label}
        style={{ paddingTop: offsets[first], paddingBottom: total - offsets[last]! }}
        className="virtual-list__items"
      >
        {items.slice(first, last).map((item, i) => {
          const key = getKey(item);
          return (
            <li
              key={key}
              ref={measure}
              data-virtual-key={key}
              aria-setsize={items.length}
              aria-posinset={first + i + 1}
            >
              {renderItem(item, first + i)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The last index i with offsets[i] <= y (binary search; offsets ascend). */
function lastIndexAtOrBefore(offsets: number[], y: number): number {
  let low = 0;
  let high = offsets.length - 2;
  if (high < 0) return 0;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (offsets[mid]! <= y) low = mid;
    else high = mid - 1;
  }
  return low;
}
