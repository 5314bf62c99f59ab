import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { parseTimestamptz } from '@outpost/prisma';

/** pg's own parser, which parseTimestamptz must agree with. */
const pgParse = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;

const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = pgParse(text);
  expect(ours instanceof Date ? ours.getTime() : ours, text).toEqual(
    theirs instanceof Date ? theirs.getTime() : theirs,
  );
};

describe('parseTimestamptz', () => {
  it('gives the Date pg gives for what PostgreSQL prints', () => {
    for (const text of [
      '2026-11-28 12:34:56+00',
      '2026-11-28 12:34:56.7+00',
      '2026-11-28 12:34:56.78+00',
      '2026-11-28 12:34:56.789+00',
      '2026-11-28 12:34:56.789123+00',
      '2026-11-28 12:34:56.009+00',
      '2026-11-28 12:34:56.999999+00',
      '2026-11-28 23:59:59.999-03',
      '2026-02-28 00:00:00.001+05:30',
      '2026-12-31 23:59:59-09:30',
      '1970-01-01 00:00:00+00',
      '2000-02-29 12:00:00.5+14',
      '0999-06-15 10:00:00+00',
      '9999-12-31 23:59:59.999+00',
    ]) {
      same(text);
    }
  });

  it('leaves other forms to pg', () => {
    for (const text of [
      'infinity',
      '-infinity',
      '2026-11-28 12:34:56+00 BC',
      '0050-01-01 00:00:00+00',
      '12026-11-28 12:34:56+00',
      '2026-11-28 12:34:56+00:00:30',
      '2026-11-28 12:34:56.1234567+00',
    ]) {
      same(text);
    }
  });

  it('agrees with pg on many random instants, offsets and fractions', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pad = (value: number, width: number) => String(value).padStart(width, '0');
    for (let i = 0; i < 5000; i++) {
      const at = new Date(Math.floor(random() * 8e12) - 1e12);
      const fractionDigits = Math.floor(random() * 7);
      const fraction = fractionDigits
        ? `.${pad(Math.floor(random() * 10 ** fractionDigits), fractionDigits)}`
        : '';
      const offsetMinutes = Math.round((random() * 26 - 12) * 4) * 15;
      const local = new Date(at.getTime() + offsetMinutes * 60_000);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const offset = `${sign}${pad(Math.floor(abs / 60), 2)}${abs % 60 ? `:${pad(abs % 60, 2)}` : ''}`;
      const text =
        `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)} ` +
        `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
        `${fraction}${offset}`;
      same(text);
    }
  });
});
