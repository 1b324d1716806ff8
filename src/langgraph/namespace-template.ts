/**
 * Namespace templates of the memory tools, as LangMem's `NamespaceTemplate`: a label written `{name}` is
 * filled, at each call, from the run's `config.configurable.name` (`['memories', '{user_id}']` becomes
 * `['memories', 'alice']`), so one tool instance serves every user of a graph. The same `{name}` grammar
 * as `submit`'s namespace templates, so an agent's tools and its background extraction can share one.
 */
import { ConfigurationError, InvalidInputError } from '../errors';
import { namespaceLabelProblem, namespaceProblem } from '../rules';

const PLACEHOLDER = /^\{([A-Za-z0-9_-]+)\}$/;

/** A namespace template, checked once when a tool is built; `fill` runs at every call. */
export class NamespaceTemplate {
  private readonly labels: readonly string[];

  /**
   * @throws ConfigurationError when the template has no labels, or a literal label the store would refuse
   *   (found when the tool is built, not when the agent first calls it)
   */
  constructor(labels: readonly string[], field = 'namespace') {
    if (!Array.isArray(labels) || labels.length === 0) throw new ConfigurationError(`${field}: needs at least one label`);
    for (const [i, label] of labels.entries()) {
      const problem = typeof label === 'string' && PLACEHOLDER.test(label) ? null : namespaceLabelProblem(label);
      if (problem) throw new ConfigurationError(`${field}.${i}: ${problem}`);
    }
    this.labels = labels.slice();
  }

  /** The template as written (placeholders included), for descriptions and errors. */
  get template(): string[] {
    return [...this.labels];
  }

  /**
   * The namespace for one run.
   * @throws ConfigurationError naming the missing `config.configurable` key (the app did not pass it)
   * @throws InvalidInputError when a filled-in value is not a valid label (`.`, empty, too long, ...) or
   *   the filled namespace is too large: the value is refused, never trimmed or escaped into another namespace
   */
  fill(configurable: Record<string, unknown> | undefined): string[] {
    const filled = this.labels.map((label, i) => {
      const name = PLACEHOLDER.exec(label)?.[1];
      if (name === undefined) return label;
      const value = configurable?.[name];
      if (value === undefined || value === null) {
        throw new ConfigurationError(
          `config.configurable.${name}: required by namespace template label ${i} "${label}" of ${JSON.stringify(this.labels)}; ` +
            `pass it when invoking the graph, e.g. { configurable: { ${name}: ... } }`,
        );
      }
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new InvalidInputError(`config.configurable.${name}: must be a string or a number to fill namespace label ${i} "${label}"`);
      }
      const text = String(value);
      const problem = namespaceLabelProblem(text);
      if (problem) throw new InvalidInputError(`config.configurable.${name}: ${problem} (it fills namespace label ${i} "${label}")`);
      return text;
    });
    const problem = namespaceProblem(filled);
    if (problem) throw new InvalidInputError(`namespace ${JSON.stringify(filled)}: ${problem}`);
    return filled;
  }
}
