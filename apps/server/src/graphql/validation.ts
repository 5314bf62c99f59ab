import { badInput } from './errors.js';

// Input checks run before anything is written; each throws BAD_USER_INPUT naming the field.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Provider names and organization slugs are DNS labels (RFC 1123): they end up in Kubernetes names. */
export function requireDnsLabel(field: string, value: string): string {
  if (value.length < 1 || value.length > 63 || !DNS_LABEL.test(value)) {
    throw badInput(
      field,
      `${field} "${truncate(value)}" is not a DNS label: use 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit.`,
    );
  }
  return value;
}

export function requireText(field: string, value: string, { min = 1, max = 200 } = {}): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) {
    throw badInput(field, `${field} must be ${min}–${max} characters long (got ${trimmed.length}).`);
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw badInput(field, `${field} must not contain control characters.`);
  }
  return trimmed;
}

export function requireUrl(field: string, value: string, protocols = ['http:', 'https:']): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput(
      field,
      `${field} "${truncate(value)}" is not a URL: write it as https://host[:port][/path].`,
    );
  }
  if (!protocols.includes(url.protocol) || url.hostname === '') {
    throw badInput(
      field,
      `${field} must use ${protocols.join(' or ')} and name a host (got "${truncate(value)}").`,
    );
  }
  if (value.length > 2048) throw badInput(field, `${field} must be at most 2048 characters.`);
  return value;
}

export function requireEmail(field: string, value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw badInput(field, `${field} "${truncate(value)}" is not an email address.`);
  }
  return email;
}

export function requirePassword(field: string, value: string): string {
  if (value.length < 12 || value.length > 256) {
    throw badInput(field, `${field} must be 12–256 characters long.`);
  }
  return value;
}

export function requireWholeNumber(
  field: string,
  value: number,
  { min, max }: { min: number; max: number },
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `${field} must be a whole number from ${min} to ${max} (got ${value}).`);
  }
  return value;
}

export function requirePageSize(field: string, value: number, max = 100): number {
  return requireWholeNumber(field, value, { min: 1, max });
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
