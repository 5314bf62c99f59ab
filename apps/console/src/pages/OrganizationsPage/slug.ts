/** The server's rule for organization slugs (apps/server/src/graphql/validation.ts): an RFC 1123 DNS label. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why the slug is not a DNS label, or null when it is. */
export function slugProblem(slug: string): string | null {
  if (slug.length === 0) return 'Enter a slug.';
  if (slug.length > 63) return `Use at most 63 characters (this one has ${slug.length}).`;
  if (!DNS_LABEL.test(slug)) {
    return "Use lowercase letters, digits and '-', starting and ending with a letter or digit.";
  }
  return null;
}
