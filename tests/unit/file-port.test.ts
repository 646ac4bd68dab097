// The background's side of the `c2c-file` port (entrypoints/background/file-port.ts), driven as the popup
// drives it (entrypoints/shared/file-job.ts): real keyrings (fake-indexeddb), real lib/files crypto, the
// page's part played by a small in-memory port that answers pulls from a byte array and acknowledges data.
import { describe, expect, it } from 'vitest';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { concat } from '@/lib/bytes';
import { FORMAT_ID } from '@/lib/crypto/format-ids';
import { FILE_INPUT_CHUNK, FILE_OUTPUT_WINDOW, type FileBackgroundToPage, fileBackgroundToPageSchema, pieceFromText, pieceToText } from '@/lib/protocol/file-port';
import { acceptFilePort } from '@/entrypoints/background/file-port';
import './base64-polyfill';
import { pinRouted as pin, routedPerson as person, type RoutedPerson as Person } from './routed-person';

interface PageOptions {
  /** Acknowledge each data piece (as the page does once written); false plays a page whose disk stalls. */
  ack?: boolean;
  /** Say `go` as soon as the header opened (the user clicked Save). */
  go?: boolean;
}

/** The page's side of one port: feeds `input` on pulls, gathers data, records everything the background said. */
function page(who: Person, first: Record<string, unknown>, input: Uint8Array, opts: PageOptions = {}) {
  const said: FileBackgroundToPage[] = [];
  const out: Uint8Array[] = [];
  let offset = 0;
  let onMessage: (raw: unknown) => void = () => undefined;
  let onDisconnect: () => void = () => undefined;
  let disconnected = false;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const toBackground = (message: Record<string, unknown>) => queueMicrotask(() => !disconnected && onMessage(structuredClone(message)));
  acceptFilePort(
    {
      postMessage: (message) => {
        const parsed = fileBackgroundToPageSchema.parse(structuredClone(message));
        said.push(parsed);
        if (parsed.t === 'pull') {
          const chunk = input.subarray(offset, offset + FILE_INPUT_CHUNK);
          offset += chunk.length;
          toBackground(chunk.length > 0 ? { t: 'chunk', data: pieceToText(chunk) } : { t: 'eof' });
        } else if (parsed.t === 'data') {
          out.push(pieceFromText(parsed.data));
          if (opts.ack !== false) toBackground({ t: 'ack' });
        } else if (parsed.t === 'opened' && opts.go !== false) toBackground({ t: 'go' });
        else if (parsed.t === 'done' || parsed.t === 'error') settle();
      },
      onMessage: (cb) => (onMessage = cb),
      onDisconnect: (cb) => (onDisconnect = cb),
      disconnect: () => {
        disconnected = true;
        settle();
      },
    },
    who.db,
  );
  toBackground(first);
  return {
    said,
    settled,
    output: () => concat(...out),
    pulls: () => said.filter((m) => m.t === 'pull').length,
    send: toBackground,
    /** The page closes (the user cancelled, or closed the popup). */
    leave: () => {
      disconnected = true;
      onDisconnect();
    },
  };
}

const SEAL = (recipients: string[], name = 'report.pdf', type = 'application/pdf') => ({ t: 'seal', recipients, name, type });
const lastOf = (said: FileBackgroundToPage[]) => said[said.length - 1];

async function sealed(from: Person, to: string[], plaintext: Uint8Array, name?: string, type?: string): Promise<Uint8Array> {
  const job = page(from, SEAL(to, name, type), plaintext);
  await job.settled;
  expect(lastOf(job.said)).toEqual({ t: 'done' });
  return job.output();
}

/** Random bytes of any length (WebCrypto gives at most 64 KiB a call). */
const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('background file port: encrypt and decrypt files for the popup and side panel', () => {
  it('round trip of a 3 MiB file: the recipient gets the same bytes, name, type and who sent it', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await Promise.all([pin(alice, 'bob', bob), pin(bob, 'alice', alice)]);
    const plaintext = randomBytes(3 * 1024 * 1024 + 17);
    const encrypted = await sealed(alice, ['bob'], plaintext, 'Отчёт 2026.pdf', 'application/PDF; charset=binary');
    expect(encrypted.length).toBeGreaterThan(plaintext.length);

    const job = page(bob, { t: 'open' }, encrypted);
    await job.settled;
    const opened = job.said.find((m) => m.t === 'opened');
    expect(opened).toMatchObject({ name: 'Отчёт 2026.pdf', type: 'application/pdf', sender: { status: 'pinned', handle: 'alice' } });
    expect(lastOf(job.said)).toEqual({ t: 'done' });
    expect(job.output()).toEqual(plaintext);

    // The sender's own copy: she reads her file as verified.
    const own = page(alice, { t: 'open' }, encrypted);
    await own.settled;
    expect(own.said.find((m) => m.t === 'opened')).toMatchObject({ sender: { status: 'verified', handle: 'alice' } });
    expect(own.output()).toEqual(plaintext);
  });

  it('an empty file round-trips too', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const job = page(bob, { t: 'open' }, await sealed(alice, ['bob'], new Uint8Array(0), 'empty.txt', 'text/plain'));
    await job.settled;
    expect(lastOf(job.said)).toEqual({ t: 'done' });
    expect(job.output()).toEqual(new Uint8Array(0));
  });

  it('a tampered, truncated or foreign file: a specific error and never `done`', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice'), person('bob'), person('carol')]);
    await pin(alice, 'bob', bob);
    const encrypted = await sealed(alice, ['bob'], randomBytes(300_000));
    const outcome = async (who: Person, bytes: Uint8Array) => {
      const job = page(who, { t: 'open' }, bytes);
      await job.settled;
      expect(job.said.some((m) => m.t === 'done')).toBe(false);
      return lastOf(job.said);
    };
    const tampered = encrypted.slice();
    tampered[encrypted.length - 200_000]! ^= 1;
    expect(await outcome(bob, tampered)).toMatchObject({ t: 'error', code: 'tampered' });
    expect(await outcome(bob, encrypted.subarray(0, encrypted.length - 100))).toMatchObject({ t: 'error', code: 'truncated' });
    expect(await outcome(carol, encrypted)).toMatchObject({ t: 'error', code: 'not-addressed' });
    // Not a file: random bytes, but for the first, which would be the format id one time in 256.
    const notAFile = randomBytes(5000);
    notAFile[0] = FORMAT_ID.fileV1 ^ 1;
    expect(await outcome(bob, notAFile)).toMatchObject({ t: 'error', code: 'unknown-version' });
  });

  it('back-pressure: with nothing acknowledged, at most FILE_OUTPUT_WINDOW pieces go out and reading stops', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const job = page(alice, SEAL(['bob']), randomBytes(16 * FILE_INPUT_CHUNK), { ack: false });
    await sleep(1500);
    const data = job.said.filter((m) => m.t === 'data').length;
    expect(data).toBe(FILE_OUTPUT_WINDOW);
    // Reading runs at most a window of chunks ahead of what was sent, not through the whole file.
    expect(job.pulls()).toBeLessThan(FILE_OUTPUT_WINDOW + 4);
    job.leave();
  });

  it('cancel: once the page leaves, the background asks for nothing more', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const job = page(alice, SEAL(['bob']), randomBytes(64 * FILE_INPUT_CHUNK));
    await sleep(300);
    job.leave();
    const count = job.said.length;
    await sleep(500);
    expect(job.said.length).toBe(count);
  });

  it('decrypting waits for the user’s go-ahead before any plaintext leaves the background', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const encrypted = await sealed(alice, ['bob'], randomBytes(200_000));
    const job = page(alice, { t: 'open' }, encrypted, { go: false });
    await sleep(300);
    // A page keeping the background awake meanwhile changes nothing.
    job.send({ t: 'ping' });
    await sleep(100);
    expect(job.said.some((m) => m.t === 'opened')).toBe(true);
    expect(job.said.some((m) => m.t === 'data')).toBe(false);
    job.leave();
  });

  it('refuses what nothing asked for: unpulled bytes, an ack for no data, go out of turn', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const encrypted = await sealed(alice, ['bob'], randomBytes(200_000));
    const outOfTurn = async (first: Record<string, unknown>, input: Uint8Array, extra: Record<string, unknown>, opts?: PageOptions) => {
      const job = page(alice, first, input, opts);
      // Sent before the background has asked for anything: it is still looking up keys.
      job.send(extra);
      await job.settled;
      expect(job.said.some((m) => m.t === 'done')).toBe(false);
      return lastOf(job.said);
    };
    const refused = { t: 'error', code: 'bad-request' };
    // A page pushing bytes unasked would otherwise grow the background's queue without bound.
    expect(await outOfTurn(SEAL(['bob']), randomBytes(10), { t: 'chunk', data: 'AAAA' })).toMatchObject(refused);
    expect(await outOfTurn(SEAL(['bob']), randomBytes(10), { t: 'eof' })).toMatchObject(refused);
    // Acks ahead of data would let more than FILE_OUTPUT_WINDOW pieces out unwritten.
    expect(await outOfTurn(SEAL(['bob']), randomBytes(10), { t: 'ack' })).toMatchObject(refused);
    expect(await outOfTurn(SEAL(['bob']), randomBytes(10), { t: 'go' })).toMatchObject(refused);
    // Decrypting, `go` before the header opened: plaintext must wait for a choice made after `opened`.
    expect(await outOfTurn({ t: 'open' }, encrypted, { t: 'go' }, { go: false })).toMatchObject(refused);
  });

  it('refuses bad requests: a changed key, an unknown contact, a job not started first, a name with a folder', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const refused = async (first: Record<string, unknown>) => {
      const job = page(alice, first, randomBytes(10));
      await job.settled;
      return lastOf(job.said);
    };
    expect(await refused({ t: 'chunk', data: 'AAAA' })).toMatchObject({ t: 'error', code: 'bad-request' });
    expect(await refused(SEAL(['mallory']))).toMatchObject({ t: 'error', code: 'not-found' });
    expect(await refused(SEAL(['bob'], '../../etc/passwd'))).toMatchObject({ t: 'error', code: 'malformed' });
    const other = await person('bob');
    expect(await alice.call({ type: 'pinContact', handle: 'bob', bundle: other.bundle })).toMatchObject({ ok: true, result: 'key-changed' });
    expect(await refused(SEAL(['bob']))).toMatchObject({ t: 'error', code: 'key-changed' });
  });
});
