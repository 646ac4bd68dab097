// "Clean server", proven: known plaintext goes through a real relay process between two clients; then the
// data folder (every file, -wal/-shm included) and everything the relay printed are searched for the
// plaintext, the ciphertext and the room id. None may appear.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fromUtf8, toBase64Url, toHex, utf8 } from '../../lib/bytes';
import { sealMessage } from '../../lib/crypto/message';
import { decodePublicBundle } from '../../lib/crypto/public-bundle';
import type { RelayMessage } from '../../lib/relay-client/client';
import { cleanup, client, makeIdentity, startRelay, until } from './harness';

afterAll(cleanup);

/** Every encoding in which a secret could plausibly be written down. */
function forms(bytes: Uint8Array): Buffer[] {
  const b = Buffer.from(bytes);
  return [b, Buffer.from(toHex(bytes)), Buffer.from(toHex(bytes).toUpperCase()), Buffer.from(toBase64Url(bytes)), Buffer.from(b.toString('base64'))];
}

it('leaves no plaintext, ciphertext or room id in the data folder or the logs', async () => {
  const relay = await startRelay();
  const plaintext = `clean-server plaintext ${toHex(crypto.getRandomValues(new Uint8Array(8)))}`;
  const room = crypto.getRandomValues(new Uint8Array(32));
  const alice = await makeIdentity('clean-alice');
  const bob = await makeIdentity('clean-bob');
  const ca = client(relay.url, alice.identity);
  const cb = client(relay.url, bob.identity);
  await Promise.all([ca.connect(), cb.connect()]);
  await ca.register('clean-alice', alice.bundle);
  await cb.register('clean-bob', bob.bundle);
  const got: RelayMessage[] = [];
  cb.onMessage((m) => got.push(m));

  // Mailbox: a sealed one-shot message. Room: the plaintext itself, as opaque bytes the relay must not keep.
  const sealed = await sealMessage({
    sender: { identity: alice.identity, prekey: alice.prekey },
    recipients: [await decodePublicBundle((await ca.lookup('clean-bob')).bundle)],
    plaintext: utf8(plaintext),
  });
  await ca.sendToHandle('clean-bob', sealed);
  await cb.joinRoom(room);
  await ca.joinRoom(room);
  ca.sendToRoom(room, utf8(plaintext));
  await until(() => got.length === 2);
  expect(Buffer.from(got[0]!.payload).equals(Buffer.from(sealed))).toBe(true);
  expect(fromUtf8(got[1]!.payload)).toBe(plaintext);
  ca.close();
  cb.close();
  expect(await relay.kill('SIGTERM')).toBe(0); // flushes and closes the database

  const files = readdirSync(relay.dataDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  expect(files.map((f) => f.name)).toContain('directory.sqlite');
  const haystacks: [string, Buffer][] = [
    ...files.map((f): [string, Buffer] => [f.name, readFileSync(join(f.parentPath, f.name))]),
    ['stdout', Buffer.from(relay.stdout())],
    ['stderr', Buffer.from(relay.stderr())],
  ];
  const needles: [string, Buffer][] = [
    ...forms(utf8(plaintext)).map((n): [string, Buffer] => ['plaintext', n]),
    ...forms(sealed).map((n): [string, Buffer] => ['ciphertext', n]),
    ...forms(sealed.subarray(sealed.length - 24)).map((n): [string, Buffer] => ['ciphertext tail', n]),
    ...forms(room).map((n): [string, Buffer] => ['room id', n]),
  ];
  for (const [where, hay] of haystacks) {
    for (const [what, needle] of needles) expect(hay.includes(needle), `${what} found in ${where}`).toBe(false);
  }
  // Logs are JSON lines; handles appear only in the admin event "registered", never next to a delivery.
  const lines = relay.stdout().trim().split('\n').map((l) => JSON.parse(l) as { event: string });
  for (const line of lines) {
    if (JSON.stringify(line).includes('clean-bob')) expect(line.event).toBe('registered');
  }
  expect(lines.map((l) => l.event)).toEqual(['listening', 'registered', 'registered', 'shutdown']);
});
