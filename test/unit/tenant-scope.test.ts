/** The tenant of a handler request, from its identity, and namespaces relative to it. */
import { TenantAccessError, UnauthenticatedError } from '../../src/errors';
import { identityOf, relativeToTenant, tenantPrefix, withinTenant } from '../../src/handlers/tenant-scope';

describe('tenantPrefix', () => {
  it('fills {claim} labels from the identity and keeps literal labels', () => {
    expect(tenantPrefix(['memories', '{sub}'], { sub: 'alice' })).toEqual(['memories', 'alice']);
    expect(tenantPrefix(['orgs', '{org_id}', '{sub}'], { org_id: 42, sub: 'bob' })).toEqual(['orgs', '42', 'bob']);
  });

  it('is UnauthenticatedError without the claim (no token, or a token without it)', () => {
    expect(() => tenantPrefix(['memories', '{sub}'], undefined)).toThrow(UnauthenticatedError);
    expect(() => tenantPrefix(['memories', '{sub}'], { email: 'a@b.c' })).toThrow('no "sub" claim');
    expect(() => tenantPrefix(['memories', '{sub}'], { sub: ['a', 'b'] })).toThrow(UnauthenticatedError);
  });

  it.each([
    ['a wildcard', '*'],
    ['a dot', 'a.b'],
    ['an empty string', ''],
    ['2,000 characters', 'x'.repeat(2_000)],
  ])('refuses a claim that cannot be one label: %s', (_name, sub) => {
    expect(() => tenantPrefix(['memories', '{sub}'], { sub })).toThrow(TenantAccessError);
  });
});

describe('namespaces relative to the tenant', () => {
  const tenant = ['memories', 'alice'];

  it('prefixes a request’s namespace and strips it from answers', () => {
    expect(withinTenant(tenant, ['work'])).toEqual(['memories', 'alice', 'work']);
    expect(withinTenant(tenant)).toEqual(tenant);
    expect(relativeToTenant(tenant, ['memories', 'alice', 'work'])).toEqual(['work']);
  });

  it('refuses relative labels that are not labels, and anything outside the tenant', () => {
    expect(() => withinTenant(tenant, ['..'])).toThrow(TenantAccessError);
    expect(() => relativeToTenant(tenant, ['memories', 'bob'])).toThrow(TenantAccessError);
  });

  it('keeps only string and number claims as template values', () => {
    expect(identityOf({ sub: 'alice', n: 3, admin: true, groups: ['a'] })).toEqual({ sub: 'alice', n: 3 });
  });
});
