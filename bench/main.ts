// Lets a benchmark module run on its own (`npx tsx bench/NAME.ts`) as well as from bench/run.ts.
import { pathToFileURL } from 'node:url';

/**
 * When `moduleUrl` is the script node was started with: runs `bench` and prints its closing line
 * `BENCH NAME {json}`, or one line on stderr and exit code 1 if it failed.
 */
export function runIfMain(moduleUrl: string, name: string, bench: () => Promise<Record<string, unknown>>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  bench().then(
    (result) => console.log(`BENCH ${name} ${JSON.stringify(result)}`),
    (e: unknown) => {
      console.error(`${name} bench failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
