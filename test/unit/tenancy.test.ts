/**
 * Tenancy's one module: tenant prefixes and the checks the store and client make with them, thread ids scoped to a
 * tenant, and the tenant of a handler request (from its identity) with namespaces relative to it.
 */
import { InvalidInputError, TenantAccessError, UnauthenticatedError } from '../../src/errors';
import {
  assertWithinTenant,
  identityOf,
  parseTenant,
  relativeToTenant,
  scopePrefix,
  tenantPartitionPatterns,
  tenantPrefix,
  tenantThreadKey,
  threadIdInTenant,
  withinTenant,
} from '../../src/store/tenancy';

describe('a tenant-bound store or client', () => {
  const alice = ['memories', 'alice'];

  it('takes a tenant of literal, valid labels only', () => {
    expect(parseTenant(alice)).toEqual(alice);
    expect(() => parseTenant(['memories', '*'])).toThrow('tenant.1');
    expect(() => parseTenant(['memories', 'a*b'])).toThrow(InvalidInputError);
    expect(() => parseTenant([])).toThrow(InvalidInputError);
  });

  it('refuses a namespace outside the tenant, naming the field; without a tenant everything is inside', () => {
    expect(() => assertWithinTenant(alice, [...alice, 'notes'], 'namespace')).not.toThrow();
    expect(() => assertWithinTenant(alice, ['memories', 'bob'], 'namespace')).toThrow(TenantAccessError);
    expect(() => assertWithinTenant(alice, ['memories'], 'prefix')).toThrow(/^prefix: /);
    expect(() => assertWithinTenant(undefined, ['memories', 'bob'], 'namespace')).not.toThrow();
  });

  it('narrows an empty prefix to the tenant and refuses a prefix that could reach another tenant', () => {
    expect(scopePrefix(alice, [], 'prefix')).toEqual(alice);
    expect(scopePrefix(alice, undefined, 'prefix')).toEqual(alice);
    expect(scopePrefix(undefined, [], 'prefix')).toEqual([]);
    expect(scopePrefix(alice, [...alice, '*'], 'prefix')).toEqual([...alice, '*']);
    expect(() => scopePrefix(alice, ['memories'], 'prefix')).toThrow(TenantAccessError);
    expect(() => scopePrefix(alice, ['memories', '*'], 'prefix')).toThrow(TenantAccessError);
    expect(() => scopePrefix(undefined, ['a.b'], 'prefix')).toThrow(/^prefix\.0: /);
    expect(scopePrefix(undefined, ['*'], 'prefix')).toEqual(['*']);
  });

  it('scopes thread ids to the tenant so two tenants never share a thread, and maps them back only for the tenant', () => {
    const aliceKey = tenantThreadKey(alice, 'thread-1');
    const bobKey = tenantThreadKey(['memories', 'bob'], 'thread-1');
    expect(aliceKey).not.toEqual(bobKey);
    expect(tenantThreadKey(undefined, 'thread-1')).toBe('thread-1');
    expect(threadIdInTenant(alice, aliceKey)).toBe('thread-1');
    expect(threadIdInTenant(alice, bobKey)).toBeNull();
    expect(threadIdInTenant(alice, 'thread-1')).toBeNull();
    expect(threadIdInTenant(undefined, bobKey)).toBe(bobKey);
  });
});

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

describe('the partitions a two-label tenant owns, as IAM patterns', () => {
  it('are the store keys of the tenant with ? for U+001F, each ending the tenant label before any *', () => {
    expect(tenantPartitionPatterns('memories', 'alice')).toEqual([
      'ns#memories?alice',
      'ns#memories?alice.*',
      'nsl#memories?alice',
      'thread#["memories","alice"]/*',
      'dlq#["memories","alice"]/*',
    ]);
  });

  it('refuses a first label IAM would read as a wildcard, or that is no label, naming the field', () => {
    expect(() => tenantPartitionPatterns('mem*', 'alice')).toThrow(/^firstLabel: .*"\*"/);
    expect(() => tenantPartitionPatterns('mem?', 'alice')).toThrow(InvalidInputError);
    expect(() => tenantPartitionPatterns('mem.x', 'alice')).toThrow(/^firstLabel: namespace labels must not contain "\."/);
    expect(() => tenantPartitionPatterns('', 'alice')).toThrow(/^firstLabel: /);
  });
});
