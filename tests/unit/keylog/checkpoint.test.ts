// Checkpoints (lib/keylog/checkpoint.ts): Go's and the C2SP spec's texts, a signed round trip over a real
// Merkle root, and a specific refusal for each malformed body.
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '../../../lib/bytes';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from '../../../lib/keylog/checkpoint';
import { hashLeaf, MemoryTree, treeRoot } from '../../../lib/keylog/merkle';
import { openNote, signNote } from '../../../lib/keylog/note';
import { C2SP_CHECKPOINT, GO_TREE } from './note-vectors';
import { codeOf, freshSigner, verifierOf } from './support';

const ORIGIN = 'relay.example/keylog';

const logKey = (name = ORIGIN) => freshSigner(name);

describe('checkpoint text: known answers', () => {
  it('formats and parses Go\'s tree note (TestFormatTree), whose root is the RFC 6962 hash of one leaf', () => {
    const checkpoint: Checkpoint = { origin: 'go.sum database tree', size: GO_TREE.size, rootHash: hashLeaf(utf8(GO_TREE.leaf)), extensions: [] };
    expect(formatCheckpoint(checkpoint)).toBe(GO_TREE.text);
    expect(parseCheckpoint(GO_TREE.text)).toEqual(checkpoint);
  });

  it('parses the C2SP example checkpoint out of its signed note; its key is unknown, so the note is refused', async () => {
    const text = C2SP_CHECKPOINT.note.slice(0, C2SP_CHECKPOINT.note.indexOf('\n\n') + 1);
    expect(parseCheckpoint(text)).toEqual({
      origin: C2SP_CHECKPOINT.origin,
      size: C2SP_CHECKPOINT.size,
      rootHash: fromBase64(C2SP_CHECKPOINT.root),
      extensions: [],
    });
    expect((await codeOf(() => openCheckpoint(C2SP_CHECKPOINT.note, C2SP_CHECKPOINT.origin, [])))?.[0]).toBe('key-mismatch');
  });
});

describe('checkpoint text: refusals', () => {
  const root = toBase64(new Uint8Array(32));

  it.each([
    ['two lines only', `${ORIGIN}\n5\n`, 'a checkpoint has an origin, a tree size and a root hash line'],
    ['an empty origin', `\n5\n${root}\n`, 'a checkpoint origin is one non-empty line'],
    ['a hex size', `${ORIGIN}\n0x5\n${root}\n`, 'a checkpoint tree size is decimal digits without leading zeros'],
    ['a leading zero', `${ORIGIN}\n05\n${root}\n`, 'a checkpoint tree size is decimal digits without leading zeros'],
    ['a negative size', `${ORIGIN}\n-5\n${root}\n`, 'a checkpoint tree size is decimal digits without leading zeros'],
    ['a size with a space', `${ORIGIN}\n5 \n${root}\n`, 'a checkpoint tree size is decimal digits without leading zeros'],
    ['an empty size', `${ORIGIN}\n\n${root}\n`, 'a checkpoint tree size is decimal digits without leading zeros'],
    ['a root of 31 bytes', `${ORIGIN}\n5\n${toBase64(new Uint8Array(31))}\n`, 'a checkpoint root hash is 32 bytes'],
    ['a root of 33 bytes', `${ORIGIN}\n5\n${toBase64(new Uint8Array(33))}\n`, 'a checkpoint root hash is 32 bytes'],
    ['a base64url root', `${ORIGIN}\n5\n${'_'.repeat(43)}=\n`, 'the checkpoint root hash is not valid base64'],
    ['an unpadded root', `${ORIGIN}\n5\n${root.slice(0, -1)}\n`, 'the checkpoint root hash is not valid base64'],
    ['an empty extension line', `${ORIGIN}\n5\n${root}\n\n`, 'a checkpoint extension is one non-empty line'],
    ['no final newline', `${ORIGIN}\n5\n${root}`, 'a signed note and its text must end with a newline'],
    ['a tab', `${ORIGIN}\t\n5\n${root}\n`, 'a signed note may not contain control characters other than newline'],
  ])('refuses %s as malformed', async (_, text, message) => {
    expect(await codeOf(() => parseCheckpoint(text))).toEqual(['malformed', message]);
  });

  it('refuses sizes past 2^53 - 1 as too large, and accepts the largest exact one', async () => {
    expect(await codeOf(() => parseCheckpoint(`${ORIGIN}\n9007199254740992\n${root}\n`))).toEqual([
      'too-large',
      'the checkpoint tree size is beyond what we can count exactly',
    ]);
    expect(parseCheckpoint(`${ORIGIN}\n9007199254740991\n${root}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseCheckpoint(`${ORIGIN}\n0\n${root}\n`).size).toBe(0);
  });

  it('keeps extension lines and refuses to format what it would not parse', async () => {
    const withExtensions = `${ORIGIN}\n5\n${root}\nextension one\nextension two\n`;
    const parsed = parseCheckpoint(withExtensions);
    expect(parsed.extensions).toEqual(['extension one', 'extension two']);
    expect(formatCheckpoint(parsed)).toBe(withExtensions);
    const base: Checkpoint = { origin: ORIGIN, size: 5, rootHash: new Uint8Array(32), extensions: [] };
    expect((await codeOf(() => formatCheckpoint({ ...base, origin: 'a\nb' })))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatCheckpoint({ ...base, size: -1 })))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatCheckpoint({ ...base, size: 1.5 })))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatCheckpoint({ ...base, rootHash: new Uint8Array(20) })))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatCheckpoint({ ...base, extensions: [''] })))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatCheckpoint({ ...base, origin: 'bell\u0007' })))?.[0]).toBe('malformed');
  });
});

describe('signed checkpoints', () => {
  const tree = new MemoryTree(Array.from({ length: 21 }, (_, i) => hashLeaf(utf8(`event ${i}`))));
  const checkpoint: Checkpoint = { origin: ORIGIN, size: 21, rootHash: treeRoot(tree), extensions: [] };

  it('round trip: sign → open with the log\'s verifier key and origin', async () => {
    const key = await logKey();
    const verifier = verifierOf(key);
    const note = await signCheckpoint(checkpoint, [key]);
    expect(note.startsWith(`${ORIGIN}\n21\n${toBase64(checkpoint.rootHash)}\n\n— ${ORIGIN} `)).toBe(true);
    expect(await openCheckpoint(note, ORIGIN, [verifier])).toEqual({ checkpoint, signatures: [{ name: ORIGIN, keyId: verifier.keyId }] });
  });

  it('refuses a tampered size or root, another key, another log and an unknown key name', async () => {
    const key = await logKey();
    const verifier = verifierOf(key);
    const note = await signCheckpoint(checkpoint, [key]);
    expect((await codeOf(() => openCheckpoint(note.replace('\n21\n', '\n22\n'), ORIGIN, [verifier])))?.[0]).toBe('bad-signature');
    const otherRoot = toBase64(treeRoot(tree, 20));
    expect((await codeOf(() => openCheckpoint(note.replace(toBase64(checkpoint.rootHash), otherRoot), ORIGIN, [verifier])))?.[0]).toBe('bad-signature');
    const stranger = await logKey();
    const strangerVerifier = verifierOf(stranger);
    expect(await codeOf(() => openCheckpoint(note, ORIGIN, [strangerVerifier]))).toEqual(['key-mismatch', 'the note is not signed by any key we trust']);
    const renamed = await logKey('other.example/keylog');
    const renamedVerifier = verifierOf(renamed);
    expect((await codeOf(() => openCheckpoint(note, ORIGIN, [renamedVerifier])))?.[0]).toBe('key-mismatch');
    // The same key signing another log's checkpoint: the signature is good, the log is not ours.
    const elsewhere = await signCheckpoint({ ...checkpoint, origin: 'other.example/keylog' }, [key]);
    expect((await openNote(elsewhere, [verifier])).signatures).toHaveLength(1);
    expect(await codeOf(() => openCheckpoint(elsewhere, ORIGIN, [verifier]))).toEqual([
      'wrong-channel',
      'this checkpoint is for another log (other.example/keylog)',
    ]);
  });

  it('refuses a validly signed note whose text is not a checkpoint', async () => {
    const key = await logKey();
    const verifier = verifierOf(key);
    const note = await signNote(`${ORIGIN}\nlots\n${toBase64(checkpoint.rootHash)}\n`, [key]);
    expect((await codeOf(() => openCheckpoint(note, ORIGIN, [verifier])))?.[1]).toMatch(/decimal digits/);
  });
});
