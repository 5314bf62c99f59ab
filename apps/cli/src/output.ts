import { stringify } from 'yaml';
import { UsageError } from './client.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json' || value === 'yaml') return value;
  throw new UsageError(`unknown output format "${value}" (use table, json or yaml)`);
}

/** Prints data as stable JSON (2-space indent, fields in a fixed order) or YAML. */
export function printData(data: unknown, format: Exclude<OutputFormat, 'table'>): void {
  process.stdout.write(format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data));
}

/** Prints rows as aligned columns under upper-case headers. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  process.stdout.write([line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n');
}

/** Prints one object as `key: value` lines. */
export function printDetails(entries: Array<[string, unknown]>): void {
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [key, value] of entries) {
    const text = value === null || value === undefined || value === '' ? '-' : String(value);
    process.stdout.write(`${(key + ':').padEnd(width + 1)} ${text}\n`);
  }
}
