// `c2c-relay --port N --data DIR [limits…]` (in the checkout: `npm run relay -- …`): runs the relay until SIGTERM/SIGINT, then shuts down
// gracefully and exits 0.
import { parseRelayArgs } from './config';
import { SqliteDirectory } from './directory';
import { log } from './log';
import { Relay } from './server';

async function main(): Promise<void> {
  let options;
  try {
    options = parseRelayArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`c2c relay: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const relay = new Relay(options, new SqliteDirectory(options.dataDir, { logOrigin: options.logOrigin }));
  const port = await relay.start();
  log('info', 'listening', { host: options.host, port, ...(relay.adminPort === undefined ? {} : { adminPort: relay.adminPort }) });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutdown', { signal });
    relay.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`c2c relay: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
