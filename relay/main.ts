// `c2c-relay --port N --data DIR [limits…]` (in the checkout: `npm run relay -- …`), or in cluster mode
// `--postgres URL --redis URL [--log-key FILE]`: runs the relay until SIGTERM/SIGINT, then shuts down
// gracefully and exits 0. A store or broker that cannot be reached at start ends it with one line.
import { parseRelayArgs, type RelayOptions } from './config';
import { SqliteDirectory } from './directory';
import { log } from './log';
import { loadLogKeyFile } from './log-key';
import { Relay } from './server';

function fail(e: unknown, code: number): never {
  process.stderr.write(`c2c relay: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(code);
}

/** The directory and broker for these options; the cluster's are loaded only when asked for. */
async function open(options: RelayOptions): Promise<{ relay: Relay; close(): void }> {
  if (!options.cluster) {
    const directory = new SqliteDirectory(options.dataDir, { logOrigin: options.logOrigin });
    return { relay: new Relay(options, directory), close: () => undefined };
  }
  const { openPostgresDirectory } = await import('./store/postgres');
  const { openRedisBroker } = await import('./redis-broker');
  const logKey = loadLogKeyFile(options.cluster.logKeyFile, options.logOrigin);
  const directory = await openPostgresDirectory(options.cluster.postgres, logKey);
  let broker;
  try {
    broker = await openRedisBroker<Parameters<Relay['refuse']>[0]>(options.cluster.redis, { maxFrame: options.maxFrame });
  } catch (e) {
    directory.close();
    throw e;
  }
  return { relay: new Relay(options, directory, broker), close: () => broker.close() };
}

async function migrate(url: string): Promise<void> {
  const { createPool, describe } = await import('./store/postgres');
  const { migrate: apply } = await import('./store/postgres-schema');
  const pool = createPool(url);
  try {
    const applied = await apply(pool);
    process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'the schema is up to date\n');
  } catch (e) {
    throw new Error(`PostgreSQL: ${describe(e)}`);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  let options: RelayOptions;
  try {
    options = parseRelayArgs(process.argv.slice(2));
  } catch (e) {
    fail(e, 2);
  }
  if (options.migrate && options.cluster) return migrate(options.cluster.postgres);
  const { relay, close } = await open(options);
  const port = await relay.start();
  log('info', 'listening', { host: options.host, port, ...(relay.adminPort === undefined ? {} : { adminPort: relay.adminPort }) });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutdown', { signal });
    relay.stop().then(
      () => {
        close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => fail(e, 1));
