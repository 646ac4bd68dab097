// The extension on a relay cluster (two nodes, one PostgreSQL, one Redis): its relay setting lists both
// nodes; the `c2c` CLI's alice sends to the extension's bob; the node bob is connected to is killed with
// SIGKILL, and the extension reconnects by itself to the other node and receives again. Chromium and Firefox.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../relay/cluster-harness';
import { c2c, cleanup, metrics, sample, tempDir, until, type RunningRelay } from '../relay/harness';
import { launchWithExtension, type BrowserKind, type ExtensionSession } from './harness';
import { CANARY, api, lookUpAndPin, newestInboxItem, onboardInPopup, registerInPopup, relayStatus, relayStatusIn, waitForInboxCount } from './flows';

for (const kind of ['chromium', 'firefox'] as BrowserKind[]) {
  describe(`${kind}: the relay setting lists a cluster's nodes`, () => {
    let cluster: Cluster;
    let one: RunningRelay;
    let two: RunningRelay;
    let bob: ExtensionSession;
    let page: Page;
    let aliceKey: string;

    const send = (relay: RunningRelay, text: string) => c2c(['send', '--relay', relay.url, '--key', aliceKey, '--to', 'bob'], text).done;

    beforeAll(async () => {
      aliceKey = join(tempDir('c2c-e2e-cluster-'), 'alice.key');
      [cluster, bob] = await Promise.all([startCluster(), launchWithExtension(kind), c2c(['keygen', '--out', aliceKey, '--handle', 'alice']).done]);
      one = await cluster.node(); // the first node makes the shared log key file
      two = await cluster.node();
      const registered = await c2c(['register', '--relay', two.url, '--key', aliceKey, '--handle', 'alice']).done;
      expect(registered.stdout).toMatch(/^registered alice\n/);
    });

    afterAll(async () => {
      await bob?.close();
      await cleanup();
      await cluster?.stop();
    });

    it('registers through the first node, shows both addresses, and receives from the other node', async () => {
      ({ page } = await onboardInPopup(bob, 'bob'));
      await registerInPopup(page, `${one.url},  ${two.url}`);
      expect(await relayStatus(page, relayStatusIn('connected'), 20_000)).toContain('registered');
      // The setting keeps both nodes, in order, as one list.
      expect(await api<{ settings: { relayUrl: string } }>(page, { type: 'getState' })).toMatchObject({ settings: { relayUrl: `${one.url}, ${two.url}` } });
      await lookUpAndPin(page, 'alice');

      const sent = await send(two, CANARY);
      expect(sent.code, sent.stderr).toBe(0);
      await waitForInboxCount(page, 1);
      expect(await newestInboxItem(page)).toEqual({ status: 'pinned', sender: 'alice', text: CANARY });
    });

    it('the first node killed with SIGKILL: the extension goes on to the second by itself and receives again', async () => {
      // The background's connection is on the first node, none on the second yet.
      expect(sample(await metrics(one), 'c2c_relay_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(await metrics(two), 'c2c_relay_connections')).toBe(0);
      await one.kill('SIGKILL');
      // Reconnecting moves on to the next URL of the list; nothing but the background's own retries does it.
      await until(async () => sample(await metrics(two), 'c2c_relay_connections') >= 1, 25_000);
      expect(await relayStatus(page, relayStatusIn('connected'), 5_000)).toContain('registered');
      const text = `after node one died 🔁 ${kind}`;
      const sent = await send(two, text);
      expect(sent.code, sent.stderr).toBe(0);
      await waitForInboxCount(page, 2);
      expect(await newestInboxItem(page)).toEqual({ status: 'pinned', sender: 'alice', text });
    });
  });
}
