/**
 * Who a handler request is for, and the namespaces it may touch. The tenant is a namespace prefix filled
 * from the caller's identity (the JWT authorizer's claims, or an SQS record's `identity` written by a trusted
 * producer) through a template such as `["memories", "{sub}"]` — never from the request body. Namespaces in
 * requests and responses are relative to the tenant: a caller writes `["work"]`, the store holds
 * `["memories", "<sub>", "work"]`, and no request can even name another tenant's namespace.
 */
import { TenantAccessError, UnauthenticatedError } from '../errors';
import { namespaceLabelSchema, namespaceSchema } from '../schemas';

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
    if (!parsed.success || String(value) === '*') throw new TenantAccessError(`claim "${name}" cannot name a tenant: ${parsed.error?.issues[0]?.message ?? 'a wildcard'}`);
    return parsed.data;
  });
}

/** The string and number claims of an identity: what namespace templates may be filled from. */
export function identityOf(claims: Claims | undefined): Record<string, string | number> {
  return Object.fromEntries(Object.entries(claims ?? {}).filter((entry): entry is [string, string | number] => typeof entry[1] === 'string' || typeof entry[1] === 'number'));
}

/** A request's relative namespace under the tenant (validated: the whole must be a valid namespace). */
export function withinTenant(tenant: readonly string[], relative: readonly string[] = []): string[] {
  const namespace = [...tenant, ...relative];
  const parsed = namespaceSchema.safeParse(namespace);
  if (!parsed.success) throw new TenantAccessError(`namespace: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** A stored namespace as the tenant sees it (its prefix removed). */
export function relativeToTenant(tenant: readonly string[], namespace: readonly string[]): string[] {
  const inside = tenant.every((label, i) => namespace[i] === label);
  // Only the tenant's own namespaces reach here (the client is tenant-bound); anything else is a bug worth seeing.
  if (!inside) throw new TenantAccessError(`namespace ${JSON.stringify(namespace)} is outside the tenant`);
  return namespace.slice(tenant.length);
}
