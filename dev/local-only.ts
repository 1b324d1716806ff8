/**
 * Guard for the dev conveniences that start a worker (the demo, the all-in-one dev console): they must never
 * run against a deployment, where their worker would take production tasks and run them against a local store
 * and a fake model. Only loopback targets pass; the operator's tool for a deployment is `memory-ops console`.
 */
import { ConfigurationError } from '../src/errors';
import { temporalConnectOptions } from '../src/temporal-connect-options';
import { hostOfAddress, hostOfEndpoint, isLoopbackHost } from '../src/testing/loopback';

/**
 * Throws a `ConfigurationError` naming the variable when TEMPORAL_ADDRESS or DYNAMODB_ENDPOINT point anywhere
 * but this machine's loopback, or when Temporal Cloud credentials are configured. Unset variables pass: the
 * dev command then starts its own local servers.
 */
export function assertLocalTargets(command: string, env: NodeJS.ProcessEnv = process.env): void {
  const refuse = (what: string) =>
    new ConfigurationError(
      `${command} is a local dev command (it runs its own worker): ${what}. To look at a deployment, use \`memory-ops console\`, which only connects.`,
    );
  if (env['TEMPORAL_ADDRESS']?.trim() || env['TEMPORAL_PROFILE']?.trim() || env['TEMPORAL_CONFIG_FILE']?.trim() || env['TEMPORAL_API_KEY']?.trim()) {
    // Resolved the way the worker resolves it (env vars over a temporal.toml profile).
    const target = temporalConnectOptions(env);
    if (!isLoopbackHost(hostOfAddress(target.address)))
      throw refuse(`the Temporal address ${target.address} (TEMPORAL_ADDRESS / profile) is not a loopback address`);
    if (target.apiKey !== undefined || (target.tls !== undefined && target.tls !== false))
      throw refuse('a Temporal API key or TLS is configured (a remote or cloud namespace)');
  }
  const dynamo = env['DYNAMODB_ENDPOINT']?.trim();
  if (dynamo) {
    const host = hostOfEndpoint(dynamo);
    if (host === undefined) throw refuse(`DYNAMODB_ENDPOINT ${dynamo} is not a URL`);
    if (!isLoopbackHost(host)) throw refuse(`DYNAMODB_ENDPOINT ${dynamo} is not a loopback address`);
  }
}
