/**
 * The `filter` of `search(prefix, {filter})`, with LangGraph.js's semantics, so a store built on this
 * answers exactly as LangGraph's own `InMemoryStore` does for the same items and filter.
 *
 * Matched against @langchain/langgraph-checkpoint 1.2.2: `InMemoryStore.filterItems` (dist/store/memory.js)
 * keeps an item when `Object.entries(filter).every(([key, v]) => compareValues(item.value[key], v))`, and
 * `compareValues` with its guard `isFilterOperators` (dist/store/utils.js) decide each field. Consequences
 * worth knowing, all reproduced here and pinned by a parity test against `InMemoryStore`:
 *
 * - Keys are top-level only. A dotted key such as `'content.content'` is looked up literally, never as a
 *   path (`getTextAtPath`, which understands paths, is used for embedding fields, not for filters).
 * - A plain filter value matches by `===`. Objects and arrays therefore never match a stored value (they
 *   are different references), so `{content: {content: 'x'}}` matches nothing. Python's LangGraph compares
 *   nested dicts and lists deeply; the JS one does not.
 * - An object whose keys are all operators (`$eq $ne $gt $gte $lt $lte $in $nin`) is an operator object and
 *   every operator must hold. An empty object or array counts as one with no operators: it matches everything.
 *   An object mixing an operator with any other key is a plain value again: it matches nothing.
 * - `$eq`/`$ne` use `===`/`!==`. `$gt $gte $lt $lte` convert both sides with `Number()`: a missing field or a
 *   non-numeric string is NaN and fails every comparison, while `null`, `''`, `false` count as 0 and numeric
 *   strings as their number. Strings (ISO dates included) cannot be range-compared.
 * - `$in` needs an array and uses `includes` (a non-array matches nothing); `$nin` with a non-array matches
 *   everything. A missing field is `undefined`: it fails `$eq`/`$in` and passes `$ne`/`$nin`.
 *
 * {@link filterProblem} rejects at the edge the filters whose outcome is fixed by these quirks rather than
 * by the data, so callers learn about them instead of getting an empty (or full) page.
 */

/** A search filter as LangGraph's `SearchOperation.filter`: top-level value fields to plain values or operator objects. */
export type ValueFilter = Record<string, unknown>;

/** The operators LangGraph.js's `isFilterOperators` recognises. */
export const FILTER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const;

/** One of {@link FILTER_OPERATORS}. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const OPERATORS: ReadonlySet<string> = new Set(FILTER_OPERATORS);
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set(['$gt', '$gte', '$lt', '$lte']);
const LIST_OPERATORS: ReadonlySet<string> = new Set(['$in', '$nin']);

/**
 * Whether a stored value passes `filter`, exactly as in LangGraph.js's `InMemoryStore` (see the module comment).
 * An empty filter passes everything.
 *
 * @example
 * matchesFilter({ kind: 'Memory', score: 7 }, { kind: 'Memory', score: { $gte: 5 } }) // true
 * matchesFilter({ kind: 'Memory', content: { content: 'x' } }, { 'content.content': 'x' }) // false: no dotted paths
 */
export function matchesFilter(value: Record<string, unknown>, filter: ValueFilter): boolean {
  // `value[key]` as LangGraph reads it, inherited properties included; with JSON filters that is
  // indistinguishable from an own-property lookup, since no JSON value equals a prototype member.
  return Object.entries(filter).every(([key, expected]) => compareValues(value[key], expected));
}

/** LangGraph's `isFilterOperators`: an object (arrays included) whose keys are all operators; `{}` and `[]` qualify. */
function isOperatorObject(candidate: unknown): candidate is Partial<Record<FilterOperator, unknown>> {
  return typeof candidate === 'object' && candidate !== null && Object.keys(candidate).every((key) => OPERATORS.has(key));
}

/** LangGraph's `compareValues`. */
function compareValues(actual: unknown, expected: unknown): boolean {
  if (!isOperatorObject(expected)) return actual === expected;
  return Object.entries(expected).every(([operator, operand]) => applyOperator(operator as FilterOperator, actual, operand));
}

function applyOperator(operator: FilterOperator, actual: unknown, operand: unknown): boolean {
  switch (operator) {
    case '$eq':
      return actual === operand;
    case '$ne':
      return actual !== operand;
    case '$gt':
      return Number(actual) > Number(operand);
    case '$gte':
      return Number(actual) >= Number(operand);
    case '$lt':
      return Number(actual) < Number(operand);
    case '$lte':
      return Number(actual) <= Number(operand);
    case '$in':
      return Array.isArray(operand) ? operand.includes(actual) : false;
    case '$nin':
      return Array.isArray(operand) ? !operand.includes(actual) : true;
  }
}

/**
 * A problem with a search filter received at the edge, naming the offending path, or null when it is fine.
 *
 * Accepts what LangGraph documents and what can match by the data: a plain object of top-level fields,
 * each either a scalar (string, number, boolean, null) or a non-empty operator object whose `$eq`/`$ne`
 * take a scalar, `$gt $gte $lt $lte` a finite number and `$in`/`$nin` an array of scalars. Rejects the
 * rest, all of which {@link matchesFilter} would answer regardless of the data: unknown operators, objects
 * mixing operators and fields, nested objects or arrays as values (never equal; no deep comparison in
 * LangGraph.js), and empty operator objects (always true).
 *
 * @example
 * filterProblem({ score: { $foo: 1 } }) // 'filter.score: unknown operator $foo'
 * filterProblem({ kind: 'Memory', score: { $gte: 5 } }) // null
 */
export function filterProblem(filter: unknown): string | null {
  if (!isPlainObject(filter)) return 'filter: must be an object of field names to values';
  for (const [field, expected] of Object.entries(filter)) {
    const path = `filter.${field}`;
    if (isScalar(expected)) continue;
    if (!isPlainObject(expected)) {
      return `${path}: must be a string, number, boolean, null or an operator object (LangGraph.js compares arrays by reference, so they never match)`;
    }
    const keys = Object.keys(expected);
    if (keys.length === 0) return `${path}: empty operator object (it would match every item)`;
    const unknown = keys.find((key) => !OPERATORS.has(key));
    if (unknown !== undefined) {
      return unknown.startsWith('$')
        ? `${path}: unknown operator ${unknown} (supported: ${FILTER_OPERATORS.join(' ')})`
        : `${path}: nested field "${unknown}" (filters match top-level fields only; a nested object never equals a stored one)`;
    }
    for (const operator of keys) {
      const problem = operandProblem(operator, expected[operator]);
      if (problem) return `${path}.${operator}: ${problem}`;
    }
  }
  return null;
}

function operandProblem(operator: string, operand: unknown): string | null {
  if (NUMERIC_OPERATORS.has(operator)) {
    return typeof operand === 'number' && Number.isFinite(operand) ? null : 'expects a finite number (LangGraph.js compares with Number())';
  }
  if (LIST_OPERATORS.has(operator)) {
    if (!Array.isArray(operand)) return 'expects an array';
    const index = operand.findIndex((item) => !isScalar(item));
    return index === -1 ? null : `element ${index} must be a string, number, boolean or null`;
  }
  return isScalar(operand) ? null : 'expects a string, number, boolean or null';
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
