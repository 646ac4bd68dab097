// The page's side of a file job (entrypoints/shared/file-job.ts) against the real background side
// (entrypoints/background/file-port.ts) with real keyrings and crypto: only the browser's port is played,
// by an in-memory pair that clones each message as runtime ports do.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { concat } from '@/lib/bytes';
import type { KeyringDB } from '@/lib/keyring/db';
import { acceptFilePort } from '@/entrypoints/background/file-port';
import { FileJob } from '@/entrypoints/shared/file-job';
import type { SaveTarget } from '@/entrypoints/shared/save-target';
import './base64-polyfill';
import { pinRouted as pin, routedPerson as person } from './routed-person';

const background = vi.hoisted(() => ({ db: undefined as KeyringDB | undefined }));

vi.mock('wxt/browser', () => {
  type Listener<T extends unknown[]> = (...args: T) => void;
  const connect = () => {
    const pageMessage: Listener<[unknown]>[] = [];
    const pageDisconnect: Listener<[]>[] = [];
    let toBackground: Listener<[unknown]> = () => undefined;
    let backgroundDisconnect: Listener<[]> = () => undefined;
    let open = true;
    // As with runtime ports, a side's own disconnect() fires only the other side's onDisconnect.
    const close = (other: Listener<[]>[]) => {
      if (!open) return;
      open = false;
      queueMicrotask(() => other.forEach((cb) => cb()));
    };
    acceptFilePort(
      {
        postMessage: (m) => open && queueMicrotask(() => open && pageMessage.forEach((cb) => cb(structuredClone(m)))),
        onMessage: (cb) => (toBackground = cb),
        onDisconnect: (cb) => (backgroundDisconnect = cb),
        disconnect: () => close(pageDisconnect),
      },
      background.db!,
    );
    return {
      postMessage: (m: unknown) => open && queueMicrotask(() => open && toBackground(structuredClone(m))),
      onMessage: { addListener: (cb: Listener<[unknown]>) => pageMessage.push(cb) },
      onDisconnect: { addListener: (cb: Listener<[]>) => pageDisconnect.push(cb) },
      disconnect: () => close([backgroundDisconnect]),
    };
  };
  return { browser: { runtime: { connect } } };
});

/** A save target in memory; `failCommit` makes commit (the move into place) fail as a full disk would. */
function memoryTarget(opts: { failCommit?: boolean } = {}) {
  const written: Uint8Array[] = [];
  const state = { committed: false, aborted: false };
  const target: SaveTarget = {
    write: async (bytes) => void written.push(bytes.slice()),
    commit: async () => {
      if (opts.failCommit) throw new Error('no space left on the device');
      state.committed = true;
      return null;
    },
    abort: async () => void (state.aborted = true),
  };
  return { target, state, bytes: () => concat(...written) };
}

const within = <T,>(p: Promise<T>, ms = 10_000) => Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve('never settled'), ms))]);
const noProgress = () => undefined;

describe('file job: the page’s side of the file port', () => {
  let alice: Awaited<ReturnType<typeof person>>;
  let bob: Awaited<ReturnType<typeof person>>;
  beforeEach(async () => {
    [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
  });

  it('seals a file into its target and opens it back, to the same bytes', async () => {
    const plaintext = new Uint8Array(nodeRandomBytes(2 * 1024 * 1024 + 5));
    background.db = alice.db;
    const sealedTo = memoryTarget();
    const seal = FileJob.seal(new File([plaintext], 'notes.txt', { type: 'text/plain' }), ['bob'], sealedTo.target, noProgress);
    expect(await within(seal.result)).toEqual({ ok: true, blob: null });
    expect(sealedTo.state).toEqual({ committed: true, aborted: false });

    background.db = bob.db;
    const { job, opened } = FileJob.open(new Blob([sealedTo.bytes() as Uint8Array<ArrayBuffer>]), noProgress);
    expect(await within(opened)).toMatchObject({ name: 'notes.txt', type: 'text/plain', sender: { status: 'unverified' } });
    const openedTo = memoryTarget();
    job.save(openedTo.target);
    expect(await within(job.result)).toEqual({ ok: true, blob: null });
    expect(openedTo.bytes()).toEqual(plaintext);
  });

  it('a commit that fails (a full disk) ends the job with an error and discards the file', async () => {
    background.db = alice.db;
    const to = memoryTarget({ failCommit: true });
    const job = FileJob.seal(new File([new Uint8Array(nodeRandomBytes(100_000))], 'a.bin'), ['bob'], to.target, noProgress);
    expect(await within(job.result)).toMatchObject({ ok: false, code: 'internal', message: expect.stringContaining('no space left') });
    expect(to.state.aborted).toBe(true);
  });
});
