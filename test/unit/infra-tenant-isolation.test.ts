/**
 * The tenant wall as IAM evaluates it: the synthesized TenantDataRole's `dynamodb:LeadingKeys` patterns, with
 * the session tag substituted and IAM's `StringLike` rules (`*` any run of characters, `?` exactly one), against
 * the partition keys the store's own key functions build for every kind of partition a tenant owns. Tenants
 * whose subjects start alike (`ali`, `alice`, `alicex`, `alice-bob`) or differ in one character (two UUIDs)
 * must each reach their own partitions only. The patterns and keys of the previous layout fail this check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createMemoryApp } from '../../infra/memory-app';
import type { MemoryStack } from '../../infra/memory-stack';
import { NAMESPACE_SEPARATOR } from '../../src/rules';
import {
  batchLogKey,
  cursorKey,
  deadLetterKey,
  dedupeKey,
  historyKey,
  inboxHeadKey,
  memoryKey,
  messageKey,
  namespaceGroupPartition,
  namespaceOwnerKey,
  namespaceRegistryKeys,
  receiptKey,
  redriveRequestKey,
} from '../../src/store/table-keys';
import { tenantPartitionPatterns, tenantThreadKey } from '../../src/store/tenancy';

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const TAG_VARIABLE = '${aws:PrincipalTag/tenant}';
const FIRST_LABEL = 'memories';
const TENANTS = ['alice', 'alicex', 'alice-bob', 'ali', '0b7f3c2e-5d41-4a8e-9f6b-2c1d3e4f5a6b', '0b7f3c2e-5d41-4a8e-9f6b-2c1d3e4f5a6c'];

/** IAM `StringLike`: `*` matches any run of characters (none included), `?` exactly one; everything else itself. */
export function iamStringLike(pattern: string, value: string): boolean {
  const chars = [...value];
  // matched[j]: the pattern read so far matches the first j characters of the value.
  let matched = chars.map(() => false).concat(false);
  matched[0] = true;
  for (const p of pattern) {
    const next = matched.map(() => false);
    if (p === '*') {
      next[0] = matched[0]!;
      for (let j = 1; j <= chars.length; j++) next[j] = next[j - 1]! || matched[j]!;
    } else {
      for (let j = 1; j <= chars.length; j++) next[j] = matched[j - 1]! && (p === '?' || p === chars[j - 1]);
    }
    matched = next;
  }
  return matched[chars.length]!;
}

/** A partition a tenant's requests touch: what it is, and its partition key. */
interface Partition {
  kind: string;
  pk: string;
}

/** How memory partition keys are built: the current layout's function, or the previous layout's. */
type MemoryPartition = (namespace: readonly string[]) => string;
const currentMemoryPartition: MemoryPartition = (namespace) => memoryKey(namespace, 'k1').pk;
const previousMemoryPartition: MemoryPartition = (namespace) => `ns#${namespace.join(NAMESPACE_SEPARATOR)}`;

/** Every partition the tenant `[FIRST_LABEL, sub]` owns, built by the store's key functions. */
function ownedPartitions(sub: string, memoryPartition: MemoryPartition = currentMemoryPartition): Partition[] {
  const tenant = [FIRST_LABEL, sub];
  const namespaces = [tenant, [...tenant, 'work'], [...tenant, 'a', 'b'], [...tenant, 'x"y*?']];
  const partitions: Partition[] = [];
  for (const ns of namespaces) {
    const name = JSON.stringify(ns);
    const current = memoryPartition === currentMemoryPartition;
    partitions.push(
      { kind: `memory ${name}`, pk: memoryPartition(ns) },
      { kind: `memory history ${name}`, pk: current ? historyKey(ns, 'k1', 1).pk : memoryPartition(ns) },
      { kind: `namespace owner ${name}`, pk: current ? namespaceOwnerKey(ns).pk : memoryPartition(ns) },
      { kind: `namespace registry group ${name}`, pk: namespaceGroupPartition(ns) },
    );
    for (const threadId of ['t1', 'x"]/y']) {
      const thread = tenantThreadKey(tenant, threadId);
      partitions.push(
        { kind: `inbox head ${threadId}`, pk: inboxHeadKey(thread).pk },
        { kind: `message ${threadId} ${name}`, pk: messageKey(thread, ns, 1).pk },
        { kind: `dedupe key ${threadId} ${name}`, pk: dedupeKey(thread, ns, 'm1').pk },
        { kind: `cursor ${threadId} ${name}`, pk: cursorKey(thread, ns).pk },
        { kind: `batch log ${threadId}`, pk: batchLogKey(thread, 1, 'b1').pk },
        { kind: `dead letter ${threadId}`, pk: deadLetterKey(thread, 1, 'b1').pk },
        { kind: `re-drive request ${threadId}`, pk: redriveRequestKey(thread, 1, 'b1').pk },
      );
    }
  }
  return partitions;
}

/** The leading-key patterns of a statement for one tenant: the session tag's value substituted. */
function patternsFor(patterns: readonly string[], tag: string): string[] {
  return patterns.map((p) => p.split(TAG_VARIABLE).join(tag));
}

/**
 * What the patterns (for each tenant's tag) get wrong: another tenant's partition they reach, or an own
 * partition they miss. Empty when every tenant reaches exactly its own partitions.
 */
function isolationProblems(patterns: readonly string[], memoryPartition?: MemoryPartition): string[] {
  const problems: string[] = [];
  for (const tag of TENANTS) {
    const allowed = patternsFor(patterns, tag);
    for (const owner of TENANTS) {
      for (const { kind, pk } of ownedPartitions(owner, memoryPartition)) {
        const reached = allowed.some((p) => iamStringLike(p, pk));
        if (reached && owner !== tag) problems.push(`${tag} reaches ${owner}'s ${kind}`);
        if (!reached && owner === tag) problems.push(`${tag} misses its own ${kind}`);
      }
    }
  }
  return problems;
}

/** The TenantDataRole's patterns before this layout (ns#memories?<tag>?* reached longer subjects). */
const PREVIOUS_PATTERNS = [
  `ns#memories?${TAG_VARIABLE}`,
  `ns#memories?${TAG_VARIABLE}?*`,
  `nsl#memories?${TAG_VARIABLE}`,
  `thread#["memories","${TAG_VARIABLE}"]/*`,
  `dlq#["memories","${TAG_VARIABLE}"]/*`,
];

let outdir: string;
let stack: MemoryStack;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'infra-tenant-'));
  stack = createMemoryApp({ context: { 'aws:cdk:bundling-stacks': [] }, outdir }).stack;
  template = Template.fromStack(stack);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function roleId(): string {
  const element = stack.tenantRole.role.node.defaultChild as CfnElement;
  return Stack.of(element).resolve(Stack.of(element).getLogicalId(element)) as string;
}

/** The tenant role's identity-policy statements, as synthesized. */
function tenantStatements(): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p['Properties'] as Json)['Roles']) === JSON.stringify([{ Ref: roleId() }]))
    .flatMap((p) => ((p['Properties'] as Json)['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

function leadingKeys(statement: Statement): string[] {
  const keys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  return Array.isArray(keys) ? keys : keys === undefined ? [] : [keys];
}

function statement(sid: string): Statement {
  const found = tenantStatements().find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} on the tenant role`);
  return found;
}

describe("IAM's StringLike, as the matcher below evaluates it", () => {
  it('reads * as any run (none included), ? as exactly one character, everything else literally', () => {
    expect(iamStringLike('a*c', 'ac')).toBe(true);
    expect(iamStringLike('a*c', 'abbc')).toBe(true);
    expect(iamStringLike('a*c', 'abbd')).toBe(false);
    expect(iamStringLike('a?c', 'abc')).toBe(true);
    expect(iamStringLike('a?c', 'ac')).toBe(false);
    expect(iamStringLike('a?c', 'abbc')).toBe(false);
    expect(iamStringLike('a?c', 'a\u001fc')).toBe(true);
    expect(iamStringLike('a.c', 'abc')).toBe(false);
    expect(iamStringLike('["a"]/*', '["a"]/t')).toBe(true);
    expect(iamStringLike('abc', 'ABC')).toBe(false);
    expect(iamStringLike('ab', 'abc')).toBe(false);
    expect(iamStringLike('*', '')).toBe(true);
  });
});

describe('the synthesized tenant policy', () => {
  it('is the one the store derives from its key layout, with no wildcard but ? for U+001F and a final *', () => {
    const owned = leadingKeys(statement('TenantOwnedPartitions'));
    expect(owned).toEqual(tenantPartitionPatterns(FIRST_LABEL, TAG_VARIABLE));
    for (const pattern of owned) {
      const literal = pattern.replace(TAG_VARIABLE, '');
      expect(literal.replace(/\*$/, '').replace(`${FIRST_LABEL}?`, '')).not.toMatch(/[*?]/);
    }
  });

  it('lets each tenant (alice, alicex, alice-bob, ali, two UUIDs) reach every partition it owns and no other tenant’s', () => {
    expect(isolationProblems(leadingKeys(statement('TenantOwnedPartitions')))).toEqual([]);
  });

  it('fails that check with the previous patterns and keys: alice reached alicex and alice-bob, ali reached alice', () => {
    const problems = isolationProblems(PREVIOUS_PATTERNS, previousMemoryPartition);
    expect(problems).toEqual(
      expect.arrayContaining([
        `alice reaches alicex's memory ${JSON.stringify([FIRST_LABEL, 'alicex'])}`,
        `alice reaches alice-bob's memory ${JSON.stringify([FIRST_LABEL, 'alice-bob', 'work'])}`,
        `ali reaches alice's memory ${JSON.stringify([FIRST_LABEL, 'alice', 'a', 'b'])}`,
      ]),
    );
    // The previous patterns leak on the new keys too: the layout alone does not close the hole, the patterns must end the tag.
    expect(isolationProblems(PREVIOUS_PATTERNS)).toContain(`alice reaches alicex's memory ${JSON.stringify([FIRST_LABEL, 'alicex', 'work'])}`);
  });

  it('gives the shared registry partitions PutItem of registry attributes only, and worker-only partitions to nobody', () => {
    const shared = statement('SharedRegistryWritesOnly');
    expect(shared.Action).toBe('dynamodb:PutItem');
    expect(shared.Condition?.['ForAllValues:StringEquals']).toEqual({ 'dynamodb:Attributes': ['pk', 'sk', 'namespace'] });
    const sharedKeys = namespaceRegistryKeys([FIRST_LABEL, 'alice', 'work'])
      .slice(1)
      .map((k) => k.pk);
    for (const tag of TENANTS) {
      for (const pk of sharedKeys) {
        expect(patternsFor(leadingKeys(shared), tag).some((p) => iamStringLike(p, pk))).toBe(true);
        expect(patternsFor(leadingKeys(statement('TenantOwnedPartitions')), tag).some((p) => iamStringLike(p, pk))).toBe(false);
      }
      const everyPattern = tenantStatements().flatMap((s) => patternsFor(leadingKeys(s), tag));
      expect(everyPattern.some((p) => iamStringLike(p, receiptKey('b1').pk))).toBe(false);
    }
  });

  it('refuses a session tag holding ".", which would name another tenant’s deeper namespace', () => {
    const trust = (template.toJSON()['Resources'] as Record<string, { Properties: Json }>)[roleId()]!.Properties['AssumeRolePolicyDocument'] as {
      Statement: Statement[];
    };
    const tagging = trust.Statement.find((s) => s.Action === 'sts:TagSession')!;
    const refused = tagging.Condition?.['StringNotLike']?.['aws:RequestTag/tenant'];
    const refuses = (tag: string): boolean => [refused ?? []].flat().some((p) => iamStringLike(p, tag));
    for (const tag of TENANTS) expect(refuses(tag)).toBe(false);
    expect(refuses('alice.work')).toBe(true);
    // Why: without that refusal, the tag `alice.work` would be let into alice's ["memories","alice","work"].
    const owned = patternsFor(leadingKeys(statement('TenantOwnedPartitions')), 'alice.work');
    expect(owned.some((p) => iamStringLike(p, memoryKey([FIRST_LABEL, 'alice', 'work'], 'k1').pk))).toBe(true);
  });
});
