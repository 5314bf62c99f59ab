import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;
const parseTimestamptzSlowly = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/** pg's own type parsers, except timestamptz (parseTimestamptz): for `pool.query({ types })`. */
export const FAST_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL prints a timestamptz as `2026-11-28 12:34:56.789+00` (DateStyle ISO, its default): the
 * fraction has 1–6 digits or is left out, the offset is the session's TimeZone with `:MM` when it has
 * minutes. pg's parser runs three regular expressions per value, and their match arrays were a sixth of
 * the garbage of the server's providers page (about 2,600 timestamps). This reads the digits by position
 * and gives the same Date (milliseconds truncated, as pg's); any other form (BC, infinity, an offset with
 * seconds, a year before 100 or past 9999) goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date {
  const n = text.length;
  if (
    n < 22 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return parseTimestamptzSlowly(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    at++;
    const start = at;
    while (at < n && isDigit(text.charCodeAt(at))) at++;
    const length = at - start;
    if (length === 0 || length > 6) return parseTimestamptzSlowly(text);
    ms = digits(text, start, Math.min(length, 3)) * 10 ** (3 - Math.min(length, 3));
  }
  const sign = text.charCodeAt(at);
  if ((sign !== 43 /* + */ && sign !== 45) /* - */ || (n !== at + 3 && n !== at + 6)) {
    return parseTimestamptzSlowly(text);
  }
  const offsetHours = digits(text, at + 1, 2);
  let offsetMinutes = 0;
  if (n === at + 6) {
    if (text.charCodeAt(at + 3) !== 58) return parseTimestamptzSlowly(text);
    offsetMinutes = digits(text, at + 4, 2);
  }
  if (
    Number.isNaN(year + month + day + hour + minute + second + ms + offsetHours + offsetMinutes) ||
    year < 100
  ) {
    return parseTimestamptzSlowly(text);
  }
  const offset = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The number written by `length` decimal digits at `start`; NaN when one is not a digit. */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return NaN;
    value = value * 10 + (code - 48);
  }
  return value;
}
