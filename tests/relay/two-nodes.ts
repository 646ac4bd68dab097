// The cluster test files' set-up: one PostgreSQL, one Redis and two relay nodes, started before a file's
// tests and stopped after them, with every process the harness started.
import { afterAll, beforeAll } from 'vitest';
import { startCluster, type Cluster } from './cluster-harness';
import { cleanup, type RunningRelay } from './harness';

export interface TwoNodes {
  cluster: Cluster;
  one: RunningRelay;
  two: RunningRelay;
}

/** Registers the file's hooks; `ready` receives the cluster and its nodes once they run. */
export function withTwoNodes(ready: (nodes: TwoNodes) => void): void {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    const one = await cluster.node(); // the first node makes the shared log key file
    ready({ cluster, one, two: await cluster.node() });
  });
  afterAll(async () => {
    await cleanup();
    await cluster?.stop();
  });
}
