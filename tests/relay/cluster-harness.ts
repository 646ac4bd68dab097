// A relay cluster for tests and the cluster benchmark: one PostgreSQL, one Redis (tests/relay/cluster-services.ts)
// and relay nodes started from this run's bundle in cluster mode, all sharing one log key file.
import { join } from 'node:path';
import { startPostgres, startRedis, type Postgres, type RedisServer } from './cluster-services';
import { startRelay, tempDir, type RunningRelay } from './harness';

export interface Cluster {
  pg: Postgres;
  redis: RedisServer;
  logKeyFile: string;
  /** The flags a node of this cluster runs with. */
  args(): string[];
  /** Starts one more node; `args` are added to the cluster's. */
  node(args?: string[]): Promise<RunningRelay>;
  /** Stops PostgreSQL and Redis and removes their data (the nodes go with the harness's cleanup()). */
  stop(): Promise<void>;
}

/** Test nodes: metrics on an admin port of their own; registration bursts (the tests' loops) not limited. */
const TEST_NODE_ARGS = ['--admin-port', '0', '--register-rate', '0', '--register-rate-global', '0'];

export async function startCluster(): Promise<Cluster> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const logKeyFile = join(tempDir('c2c-cluster-key-'), 'log-key.json');
  const args = () => ['--postgres', pg.url, '--redis', redis.url, '--log-key', logKeyFile];
  return {
    pg,
    redis,
    logKeyFile,
    args,
    node: (extra = []) => startRelay([...args(), ...TEST_NODE_ARGS, ...extra], null),
    async stop() {
      await Promise.all([pg.remove(), redis.remove()]);
    },
  };
}
