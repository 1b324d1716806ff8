/**
 * Which memory manager a namespace belongs to. A namespace's memories are written under one manager's
 * rules (its kinds, its profile document, its guard rails), whichever thread the messages come from: the
 * first submit into a namespace claims it for its manager, and a submit naming another manager is refused
 * before anything is stored. The claim is one item written once (put-if-absent), never rewritten, so it
 * is read outside the append transactions and cached: concurrent submits from many threads into one
 * shared namespace never contend on it.
 *
 * Namespaces filled before managers existed have no claim; the first submit claims them. Unclaimed
 * namespaces with thread cursors of no manager count as the default manager's (the cursor check in
 * `MessageInbox.append` still refuses another manager on those threads).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../errors';
import { namespaceOwnerKey } from './table-keys';

/**
 * The name of the manager used when a submit names none, and the owner of namespaces and cursors stored
 * before managers existed: a storage rule, so it lives here (`managers/` re-exports it).
 */
export const DEFAULT_MANAGER_NAME = 'memories';

/** The refusal of a submit into a namespace another manager owns. */
export function ownedByAnother(namespace: readonly string[], owner: string, manager: string): InvalidInputError {
  return new InvalidInputError(`namespace ${JSON.stringify(namespace)} belongs to memory manager ${owner}; a submit for manager ${manager} cannot add to it`);
}

export class NamespaceOwners {
  /** Claims seen by this process; a claim never changes, so a cached one is never stale. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The manager owning the namespace, or null while no submit has claimed it. */
  async ownerOf(namespace: readonly string[]): Promise<string | null> {
    const id = JSON.stringify(namespace);
    const cached = this.known.get(id);
    if (cached !== undefined) return cached;
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: namespaceOwnerKey(namespace), ConsistentRead: true }));
    const owner: unknown = out.Item?.['manager'];
    if (typeof owner !== 'string') return null;
    this.known.set(id, owner);
    return owner;
  }

  /** Throws `InvalidInputError` when another manager owns the namespace; reads only, claims nothing. */
  async check(namespace: readonly string[], manager: string): Promise<void> {
    const owner = await this.ownerOf(namespace);
    if (owner !== null && owner !== manager) throw ownedByAnother(namespace, owner, manager);
  }

  /** Claims the namespace for the manager unless already claimed; throws `InvalidInputError` when another manager owns it. */
  async claim(namespace: readonly string[], manager: string): Promise<void> {
    const owner = await this.ownerOf(namespace);
    if (owner === manager) return;
    if (owner !== null) throw ownedByAnother(namespace, owner, manager);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...namespaceOwnerKey(namespace), manager, namespace: [...namespace], claimedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      this.known.set(JSON.stringify(namespace), manager);
    } catch (err) {
      // Another submit claimed it first: its claim decides.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      await this.check(namespace, manager);
    }
  }
}
