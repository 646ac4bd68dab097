// What the contacts and chat browser tests start from: a real relay process and two fresh profiles of one
// browser, started together; close() stops them all (each test file's afterAll).
import { cleanup, startRelay, type RunningRelay } from '../relay/harness';
import { launchWithExtension, type BrowserKind, type ExtensionSession } from './harness';

export interface RelayAndProfiles {
  relay: RunningRelay;
  a: ExtensionSession;
  b: ExtensionSession;
  close(): Promise<void>;
}

/** `relayArgs`: more relay flags, e.g. `--public-url` when the browsers reach it through a proxy. */
export async function startRelayAndProfiles(kind: BrowserKind, relayArgs: string[] = []): Promise<RelayAndProfiles> {
  const [relay, a, b] = await Promise.all([startRelay(relayArgs), launchWithExtension(kind), launchWithExtension(kind)]);
  return {
    relay,
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await cleanup();
    },
  };
}
