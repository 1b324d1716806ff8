/**
 * Parsers of command-line values, for commander's `argParser`: each throws `InvalidArgumentError`, which
 * commander reports naming the argument or option (`option '--limit <n>' argument 'x' is invalid. ...`).
 */
import { InvalidArgumentError } from 'commander';
import { namespaceProblem } from '../rules';

/** How namespaces are written on the command line; shown in `--help`. */
export const NAMESPACE_SYNTAX =
  'A namespace is its labels separated by commas (memories,alice) or a JSON array (\'["memories","alice"]\') for labels that contain a comma.';

/** The namespace syntax in an argument's help line. */
export const NAMESPACE_ARG_SYNTAX = 'labels separated by commas (memories,alice), or a JSON array (\'["memories","alice"]\')';

/**
 * A namespace (or namespace prefix) from `memories,alice` or `["memories","alice"]`. Labels follow the
 * store's rules (non-empty, no "."), checked here so a typo fails before anything is read.
 */
export function parseNamespace(text: string): string[] {
  const trimmed = text.trim();
  let labels: unknown;
  if (trimmed.startsWith('[')) {
    try {
      labels = JSON.parse(trimmed);
    } catch {
      throw new InvalidArgumentError('not a valid JSON array of labels.');
    }
    if (!Array.isArray(labels)) throw new InvalidArgumentError('must be a JSON array of labels.');
  } else {
    labels = trimmed.split(',').map((label) => label.trim());
  }
  const problem = namespaceProblem(labels);
  if (problem) throw new InvalidArgumentError(`${problem}. ${NAMESPACE_SYNTAX}`);
  return labels as string[];
}

/** A whole number ≥ 1 (limits, versions). */
export function parsePositiveInteger(text: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('must be a whole number of at least 1.');
  return Number(text);
}

/** A number of seconds > 0, fractions allowed. */
export function parseSeconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('must be a number of seconds greater than 0.');
  return value;
}
