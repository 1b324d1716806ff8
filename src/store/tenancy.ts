/**
 * Tenancy, in one place: "tenant A never reaches tenant B" is one rule, so every check of it lives here and
 * the store, the client and the Lambda handlers call these functions instead of each keeping its own copy.
 *
 * A tenant is a namespace prefix (e.g. `["memories", "<sub>"]`). A tenant-bound store or client refuses every
 * namespace that does not start with the tenant's labels (`TenantAccessError`), narrows an empty search or
 * listing prefix to the tenant, and scopes thread ids to it (two tenants' `thread-1` are different threads).
 * The handlers fill the tenant from the caller's identity (the JWT authorizer's claims, or an SQS record's
 * `identity` written by a trusted producer) through a template such as `["memories", "{sub}"]` — never from
 * the request body — and speak namespaces relative to it: a caller writes `["work"]`, the store holds
 * `["memories", "<sub>", "work"]`, and no request can even name another tenant's namespace.
 */
import { InvalidInputError, TenantAccessError, UnauthenticatedError } from '../errors';
import { NAMESPACE_SEPARATOR, namespaceLabelProblem } from '../rules';
import { describeZodError, namespaceLabelSchema, namespaceSchema } from '../schemas';
import { deadLetterPartitionKey, memoryPartitionKey, memoryPartitionsBelow, namespaceGroupPartition, threadPartitionKey } from './table-keys';

/** A tenant: the namespace prefix every namespace of a tenant-bound store or client starts with. */
export type Tenant = readonly string[];

function fmt(namespace: readonly string[]): string {
  return `(${namespace.map((l) => JSON.stringify(l)).join(', ')})`;
}

function isWithin(tenant: Tenant, namespace: readonly string[]): boolean {
  return tenant.every((label, i) => namespace[i] === label);
}

/** A tenant prefix: a valid namespace whose labels are literal (a `*` would match every other tenant). */
export function parseTenant(prefix: readonly string[]): string[] {
  const parsed = namespaceSchema.safeParse(prefix);
  if (!parsed.success) throw new InvalidInputError(`tenant: ${describeZodError(parsed.error)}`);
  const wildcard = parsed.data.findIndex((label) => label.includes('*'));
  if (wildcard >= 0) throw new InvalidInputError(`tenant.${wildcard}: a tenant label must not contain "*" (it would match other tenants)`);
  return parsed.data;
}

/** Throws `TenantAccessError` naming `field` when `namespace` is outside `tenant` (no tenant: everything is inside). */
export function assertWithinTenant(tenant: Tenant | undefined, namespace: readonly string[], field: string): void {
  if (!tenant || isWithin(tenant, namespace)) return;
  throw new TenantAccessError(`${field}: ${fmt(namespace)} is outside tenant ${fmt(tenant)}`);
}

/**
 * A search or listing prefix (`*` matches any label) as a tenant may use it. Empty means "everything": with
 * a tenant, the whole tenant. With a tenant, any other prefix must spell out the tenant's labels: a shorter
 * prefix or a wildcard there would reach other tenants.
 */
export function scopePrefix(tenant: Tenant | undefined, prefix: readonly string[] | undefined, field: string): string[] {
  if (!prefix || prefix.length === 0) return tenant ? [...tenant] : [];
  for (const [i, label] of prefix.entries()) {
    const problem = label === '*' ? null : namespaceLabelProblem(label);
    if (problem) throw new InvalidInputError(`${field}.${i}: ${problem}`);
  }
  if (tenant && !isWithin(tenant, prefix)) {
    throw new TenantAccessError(`${field}: ${fmt(prefix)} is not within tenant ${fmt(tenant)}`);
  }
  return [...prefix];
}

/**
 * The thread id as stored and as the workflow is named: a tenant's threads are prefixed with the tenant's
 * labels as JSON (self-delimiting, so no two tenants' ids can collide). `threadId` is already validated.
 */
export function tenantThreadKey(tenant: Tenant | undefined, threadId: string): string {
  return tenant ? `${JSON.stringify(tenant)}/${threadId}` : threadId;
}

/** The caller's thread id of a stored one ({@link tenantThreadKey}'s inverse), or null when it is another tenant's. */
export function threadIdInTenant(tenant: Tenant | undefined, threadKey: string): string | null {
  if (!tenant) return threadKey;
  const prefix = `${JSON.stringify(tenant)}/`;
  return threadKey.startsWith(prefix) ? threadKey.slice(prefix.length) : null;
}

/** Claim values as API Gateway passes them; only strings and numbers fill a template. */
export type Claims = Readonly<Record<string, unknown>>;

const TEMPLATE = /^\{([A-Za-z0-9_:.-]+)\}$/;

/**
 * The tenant's namespace prefix: each `{claim}` label of the template filled from the claims.
 * `UnauthenticatedError` when a claim is missing; `TenantAccessError` when its value is not a valid label.
 * @example tenantPrefix(['memories', '{sub}'], { sub: 'alice' }) // ['memories', 'alice']
 */
export function tenantPrefix(template: readonly string[], claims: Claims | undefined): string[] {
  return template.map((label) => {
    const match = TEMPLATE.exec(label);
    if (!match) return label;
    const name = match[1] as string;
    const value = claims?.[name];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UnauthenticatedError(`the request's identity has no "${name}" claim, which names its tenant`);
    }
    const parsed = namespaceLabelSchema.safeParse(String(value));
    // A claim that cannot be a label (a "." in it, "*") must not widen or bend the tenant's prefix.
    if (!parsed.success || String(value) === '*')
      throw new TenantAccessError(`claim "${name}" cannot name a tenant: ${parsed.error?.issues[0]?.message ?? 'a wildcard'}`);
    return parsed.data;
  });
}

/** The string and number claims of an identity: what namespace templates may be filled from. */
export function identityOf(claims: Claims | undefined): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(claims ?? {}).filter((entry): entry is [string, string | number] => typeof entry[1] === 'string' || typeof entry[1] === 'number'),
  );
}

/** A request's relative namespace under the tenant (validated: the whole must be a valid namespace). */
export function withinTenant(tenant: Tenant, relative: readonly string[] = []): string[] {
  const namespace = [...tenant, ...relative];
  const parsed = namespaceSchema.safeParse(namespace);
  if (!parsed.success) throw new TenantAccessError(`namespace: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** A stored namespace as the tenant sees it (its prefix removed). */
export function relativeToTenant(tenant: Tenant, namespace: readonly string[]): string[] {
  // Only the tenant's own namespaces reach here (the client is tenant-bound); anything else is a bug worth seeing.
  if (!isWithin(tenant, namespace)) throw new TenantAccessError(`namespace ${JSON.stringify(namespace)} is outside the tenant`);
  return namespace.slice(tenant.length);
}

/** What IAM's `StringLike` writes for U+001F in a leading-key pattern: policy documents refuse control characters. */
export const IAM_SEPARATOR_WILDCARD = '?';

/**
 * Every partition key the two-label tenant `[firstLabel, tenantLabel]` owns, as IAM `StringLike` patterns
 * for `dynamodb:LeadingKeys` (`tenantLabel` is a policy variable there, e.g. `${aws:PrincipalTag/tenant}`):
 * its namespace's memory partition and those below it, its namespace registry group, its threads' inboxes
 * and dead letters. Built from the store's own key functions, so the policy follows the layout.
 *
 * Each pattern is exact up to the tenant label, which is followed by the end of the key or by a character
 * labels and tag values cannot hold where they would need to (`.`, `"`), and only then by `*`: no pattern
 * reaches a tenant whose label merely starts with this one (docs/design.md "Tenancy").
 */
export function tenantPartitionPatterns(firstLabel: string, tenantLabel: string): string[] {
  const problem = namespaceLabelProblem(firstLabel);
  if (problem) throw new InvalidInputError(`firstLabel: ${problem}`);
  // The first label is written into the policy as it is: a wildcard there would match other first labels.
  if (/[*?]/.test(firstLabel)) throw new InvalidInputError('firstLabel: must not contain "*" or "?" (IAM wildcards)');
  const tenant = [firstLabel, tenantLabel];
  const threads = tenantThreadKey(tenant, '');
  return [
    memoryPartitionKey(tenant),
    `${memoryPartitionsBelow(tenant)}*`,
    namespaceGroupPartition(tenant),
    `${threadPartitionKey(threads)}*`,
    `${deadLetterPartitionKey(threads)}*`,
  ].map((pattern) => pattern.replaceAll(NAMESPACE_SEPARATOR, IAM_SEPARATOR_WILDCARD));
}
