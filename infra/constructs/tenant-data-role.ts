/**
 * Tenant isolation enforced by IAM (token vending): the HTTP handler assumes this role with the session
 * tag `tenant=<JWT sub>` and serves the request with those credentials, so a bug in the handler's own
 * tenant checks still cannot reach another tenant's items. The DynamoDB policy allows only the partition
 * keys of the tenant `["<first label>","<sub>"]`, spelled out in docs/design.md "Tenancy".
 *
 * Session tag values may only hold letters, digits, spaces and `_ . : / = + - @`, so a tag can never
 * carry the StringLike wildcards `*` or `?` (nor `"`, `[`, `]`) into these patterns; the trust policy also
 * refuses a `.`, the character that ends a tenant's label in memory partition keys. It also means a
 * subject outside that set (e.g. Auth0's `auth0|123`) cannot be tagged: use an issuer whose subjects fit
 * (Cognito subjects are UUIDs).
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { tenantPartitionPatterns } from '../../src/store/tenancy';
import { FIRST_LABELS_PARTITION, TENANT_LABEL_END } from '../../src/store/table-keys';
import { acknowledgeIndexWildcard, HANDLER_TABLE_ACTIONS, indexArns } from './table-access';

/** The session tag carrying the tenant (the JWT subject). */
export const TENANT_SESSION_TAG = 'tenant';

const TENANT = `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`;

/**
 * Partition keys only this tenant uses, from the store's key layout (src/store/tenancy.ts
 * `tenantPartitionPatterns`): its memories and their history (`ns#`), its own namespace registry group
 * (`nsl#`), its threads' inboxes (`thread#`) and dead letters (`dlq#`). Every pattern ends the tag's value
 * exactly (end of key, `.` or `"`) before any `*`, so the tag `alice` reaches neither `alicex` nor `alice-bob`.
 * `?` stands for U+001F after the first label: IAM policy documents refuse control characters.
 */
export function tenantOwnedLeadingKeys(firstLabel: string): string[] {
  return tenantPartitionPatterns(firstLabel, TENANT);
}

/**
 * Tag values IAM refuses for the tenant session: a `.` in the tag would turn `ns#memories?${tag}` into
 * another tenant's deeper namespace (`alice.work` → `["memories","alice","work"]`). Labels cannot hold a
 * `.`, so the handler never sends one; this makes IAM hold it too.
 */
export const REFUSED_TENANT_TAG_VALUES = [`*${TENANT_LABEL_END}*`];

/**
 * Registry partitions every tenant shares, written (idempotently) with a new namespace's first memory:
 * `nsl0` lists first labels, `nsl1#<first label>#<shard>` second labels — here the tenants' subjects.
 * IAM cannot confine these to one tenant: the item keys are label names, not tenant-prefixed. So the
 * tenant gets PutItem only, limited to the registry's attributes: it can add or rewrite a registry entry
 * (label names, seen by operator-side listNamespaces) but can read none, so it cannot list other
 * tenants' subjects. A two-label tenant never reads these (it lists through its own `nsl#` group).
 */
export function sharedRegistryLeadingKeys(firstLabel: string): string[] {
  return [FIRST_LABELS_PARTITION, `nsl1#${firstLabel}#*`];
}

/** The attributes of a registry entry (src/store/memory-records.ts `registryItems`). */
export const REGISTRY_ATTRIBUTES = ['pk', 'sk', 'namespace'];

/** Props of {@link TenantDataRole}. */
export interface TenantDataRoleProps {
  table: dynamodb.Table;
  /** The role allowed to assume this one with a `tenant` session tag (the HTTP handler's). */
  assumedBy: iam.IRole;
  /** First label of the tenant namespace template, e.g. `memories`. */
  firstLabel: string;
}

/** The role an HTTP request's DynamoDB calls run under, scoped to one tenant by a session tag. */
export class TenantDataRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TenantDataRoleProps) {
    super(scope, id);
    const caller = new iam.ArnPrincipal(props.assumedBy.roleArn);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: caller,
      description: 'Per-tenant DynamoDB access for the memory HTTP API: assumed with session tag tenant=<JWT sub>',
    });
    // A session must carry exactly the one tag, without a `.`; without it the ${aws:PrincipalTag/tenant} patterns match nothing.
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:TagSession'],
        principals: [caller],
        conditions: {
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_SESSION_TAG] },
          Null: { [`aws:RequestTag/${TENANT_SESSION_TAG}`]: 'false' },
          StringNotLike: { [`aws:RequestTag/${TENANT_SESSION_TAG}`]: REFUSED_TENANT_TAG_VALUES },
        },
      }),
    );
    const resources = [props.table.tableArn, indexArns(props.table)];
    // ForAllValues over LeadingKeys is vacuously true for a request without keys (Scan), which is why no
    // keyless action is ever listed here.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TenantOwnedPartitions',
        actions: [...HANDLER_TABLE_ACTIONS],
        resources,
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': tenantOwnedLeadingKeys(props.firstLabel) } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SharedRegistryWritesOnly',
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': sharedRegistryLeadingKeys(props.firstLabel) },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': REGISTRY_ATTRIBUTES },
        },
      }),
    );
    acknowledgeIndexWildcard(
      this.role,
      props.table,
      'Tenants search through the recency LSI (<table>/index/*); every statement is confined by a dynamodb:LeadingKeys condition on the tenant session tag, which is what scopes this role, and the tree GSI (whose partitions span tenants) can match none of those keys.',
    );
  }
}
