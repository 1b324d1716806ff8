/** Stops the servers globalSetup started. */
export default async function globalTeardown(): Promise<void> {
  const servers = ((globalThis as Record<string, unknown>)['__LOCAL_SERVERS__'] ?? []) as { stop(): Promise<void> }[];
  await Promise.all(servers.map((server) => server.stop()));
}
