// Signed notes (lib/keylog/note.ts): Go's and the C2SP spec's vectors, round trips, and strict refusals.
import { describe, expect, it } from 'vitest';
import { concat, fromBase64, fromHex, toBase64 } from '../../../lib/bytes';
import { importIdentityPrivate } from '../../../lib/crypto/identity';
import { formatVerifierKey, MAX_NOTE_BYTES, noteKeyId, openNote, parseVerifierKey, signNote, type NoteSigner } from '../../../lib/keylog/note';
import { C2SP_EXAMPLE, GO_BAD_VKEYS, GO_ENOCH, GO_PETER, GO_TEXT } from './note-vectors';
import { codeOf, freshSigner, verifierOf } from './support';

/** RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed, so WebCrypto can import Go's keys. */
const PKCS8_ED25519_PREFIX = fromHex('302e020100300506032b657004220420');

async function signerFromSeed(name: string, seed: Uint8Array, vkey: string): Promise<NoteSigner> {
  const privateKey = await importIdentityPrivate(concat(PKCS8_ED25519_PREFIX, seed));
  return { name, publicKey: parseVerifierKey(vkey).publicKey, privateKey };
}

const peterSigner = () => signerFromSeed(GO_PETER.name, fromBase64(GO_PETER.seed).slice(1), GO_PETER.vkey);
const enochSigner = () => signerFromSeed(GO_ENOCH.name, new Uint8Array(32), GO_ENOCH.vkey);
const peter = parseVerifierKey(GO_PETER.vkey);
const enoch = parseVerifierKey(GO_ENOCH.vkey);

describe('verifier keys', () => {
  it('parses Go\'s and the spec\'s verifier keys and formats them back byte for byte', () => {
    expect(peter).toMatchObject({ name: 'PeterNeumann', keyId: GO_PETER.keyId });
    expect(enoch.keyId).toBe(GO_ENOCH.keyId);
    for (const vkey of [GO_PETER.vkey, GO_ENOCH.vkey, C2SP_EXAMPLE.vkey]) {
      const parsed = parseVerifierKey(vkey);
      expect(formatVerifierKey(parsed.name, parsed.publicKey)).toBe(vkey);
      expect(noteKeyId(parsed.name, parsed.publicKey)).toBe(parsed.keyId);
    }
  });

  it('refuses every substring and every single-character change of a verifier key (Go\'s TestNewVerifier)', () => {
    const vkey = GO_PETER.vkey;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i !== 0 || j !== vkey.length) expect(() => parseVerifierKey(vkey.slice(i, j))).toThrow();
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const changed = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(() => parseVerifierKey(changed)).toThrow();
    }
  });

  it('gives a specific error for each kind of bad verifier key', async () => {
    // Go's decoder takes this key's non-canonical base64 tail and then refuses the length; ours stops earlier.
    expect(await codeOf(() => parseVerifierKey(GO_BAD_VKEYS.wrongLength))).toEqual(['malformed', 'the verifier key is not valid base64']);
    const short = new Uint8Array(31);
    const shortKey = `x+${noteKeyId('x', short).toString(16).padStart(8, '0')}+${toBase64(concat(new Uint8Array([1]), short))}`;
    expect(await codeOf(() => parseVerifierKey(shortKey))).toEqual(['malformed', 'an Ed25519 verifier key holds 32 bytes']);
    expect((await codeOf(() => parseVerifierKey(GO_BAD_VKEYS.unknownAlgorithm)))?.[0]).toBe('unsupported');
    expect(await codeOf(() => parseVerifierKey(GO_PETER.vkey.replace('c74f20a3', 'c74f20a4')))).toEqual([
      'malformed',
      'the verifier key id does not match its name and key',
    ]);
    expect((await codeOf(() => parseVerifierKey(GO_PETER.vkey.replace('c74f20a3', 'C74F20A3'))))?.[1]).toMatch(/lowercase hex/);
    expect((await codeOf(() => parseVerifierKey(GO_PETER.vkey.replace('10TW', '10T='))))?.[1]).toMatch(/base64/);
    expect((await codeOf(() => parseVerifierKey(`Peter Neumann${GO_PETER.vkey.slice(12)}`)))?.[1]).toMatch(/without spaces/);
    expect((await codeOf(() => parseVerifierKey('x'.repeat(2000))))?.[0]).toBe('malformed');
    expect((await codeOf(() => parseVerifierKey(42 as unknown as string)))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatVerifierKey('a+b', peter.publicKey)))?.[0]).toBe('malformed');
    expect((await codeOf(() => formatVerifierKey('ok', new Uint8Array(31))))?.[0]).toBe('malformed');
  });
});

describe('signed notes: known answers', () => {
  it('signs Go\'s example text exactly as Go does (Ed25519 is deterministic)', async () => {
    expect(await signNote(GO_TEXT, [await peterSigner()])).toBe(`${GO_TEXT}\n${GO_PETER.line}`);
  });

  it('reproduces Go\'s doubly-signed note (ExampleSign_add_signatures)', async () => {
    expect(await signNote(GO_TEXT, [await peterSigner(), await enochSigner()])).toBe(`${GO_TEXT}\n${GO_PETER.line}${GO_ENOCH.line}`);
  });

  it('opens Go\'s note with one, both or an unrelated trusted key (TestOpen)', async () => {
    const both = `${GO_TEXT}\n${GO_PETER.line}${GO_ENOCH.line}`;
    expect(await openNote(both, [peter])).toEqual({ text: GO_TEXT, signatures: [{ name: 'PeterNeumann', keyId: GO_PETER.keyId }] });
    expect((await openNote(both, [peter, enoch])).signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(await codeOf(() => openNote(both, []))).toEqual(['key-mismatch', 'the note is not signed by any key we trust']);
    // Repeated lines by one key count once; the repeat is not checked again (as in Go).
    const repeated = `${GO_TEXT}\n${GO_PETER.line}${GO_PETER.line}${GO_ENOCH.line}${GO_ENOCH.line}`;
    expect((await openNote(repeated, [peter])).signatures).toHaveLength(1);
  });

  it('opens the C2SP signed-note example with its verifier key', async () => {
    const opened = await openNote(C2SP_EXAMPLE.note, [parseVerifierKey(C2SP_EXAMPLE.vkey)]);
    expect(opened.text).toBe('This is an example message.\n');
  });
});

describe('signed notes: refusals', () => {
  const good = `${GO_TEXT}\n${GO_PETER.line}`;

  it('refuses a tampered text, a forged signature and a wrong key', async () => {
    expect(await codeOf(() => openNote(good.replace('answer', 'Answer'), [peter]))).toEqual([
      'bad-signature',
      'the signature by PeterNeumann does not verify',
    ]);
    const forged = `${GO_TEXT}\n${GO_PETER.line.slice(0, 60)}ABCD${GO_PETER.line.slice(60)}`;
    expect((await codeOf(() => openNote(forged, [peter])))?.[0]).toBe('bad-signature');
    // A trusted name and id with another key (a collision the spec warns about) fails, it is not skipped.
    const impostor = { ...peter, publicKey: enoch.publicKey };
    expect((await codeOf(() => openNote(good, [impostor])))?.[0]).toBe('bad-signature');
    // Same name, other id, or other name, same id: not the trusted key, so ignored, so nothing verified.
    expect((await codeOf(() => openNote(good, [{ ...peter, keyId: peter.keyId ^ 1 }])))?.[0]).toBe('key-mismatch');
    expect((await codeOf(() => openNote(good, [{ ...peter, name: 'PeterNeuman' }])))?.[0]).toBe('key-mismatch');
  });

  it.each([
    ['no blank line', GO_TEXT, 'a signed note needs a blank line before its signatures'],
    ['no signatures', `${GO_TEXT}\n`, 'the signed note has no signatures'],
    ['no final newline', good.slice(0, -1), 'a signed note and its text must end with a newline'],
    ['a control character', `\u0001${good}`, 'a signed note may not contain control characters other than newline'],
    ['a carriage return', good.replace('\n', '\r\n'), 'a signed note may not contain control characters other than newline'],
    ['a lone surrogate', `\ud800${good}`, 'a signed note may not contain control characters other than newline'],
    ['a space in the key name', `${GO_TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'a signature line is "— <key name> <base64 signature>"'],
    ['a line after the signatures', `${good}Unexpected line.\n`, 'a signature line is "— <key name> <base64 signature>"'],
    ['a hyphen for the em dash', good.replace('—', '-'), 'a signature line is "— <key name> <base64 signature>"'],
    ['bad base64', good.replace('AM=', 'A!='), 'the signature by PeterNeumann is not valid base64'],
    ['unpadded base64', good.replace('AM=', 'AM'), 'the signature by PeterNeumann is not valid base64'],
    ['a signature without bytes after the key id', `${GO_TEXT}\n— PeterNeumann x08gow==\n`, 'the signature by PeterNeumann is too short'],
  ])('refuses a note with %s as malformed', async (_, note, message) => {
    expect(await codeOf(() => openNote(note, [peter]))).toEqual(['malformed', message]);
  });

  it('refuses oversize notes and too many signatures before any verification', async () => {
    const big = `${'a'.repeat(MAX_NOTE_BYTES)}\n\n${GO_PETER.line}`;
    expect((await codeOf(() => openNote(big, [peter])))?.[0]).toBe('too-large');
    const wide = `${'é'.repeat(MAX_NOTE_BYTES / 2)}\n\n${GO_PETER.line}`; // fewer characters than bytes
    expect((await codeOf(() => openNote(wide, [peter])))?.[0]).toBe('too-large');
    expect(await codeOf(() => openNote(`${GO_TEXT}\n${GO_PETER.line.repeat(101)}`, [peter]))).toEqual([
      'too-large',
      'a signed note may carry at most 100 signatures',
    ]);
    expect((await codeOf(() => openNote(`${GO_TEXT}\n${GO_PETER.line.repeat(100)}`, [peter])))).toBeUndefined();
  });

  it('never crashes on garbage: every prefix of a good note and random text are refused with a C2CError', async () => {
    for (let i = 0; i < good.length; i++) expect(await codeOf(() => openNote(good.slice(0, i), [peter]))).toBeDefined();
    expect(await codeOf(() => openNote(null as unknown as string, [peter]))).toEqual(['malformed', 'a signed note is text']);
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      const chars = Array.from({ length: n % 90 }, () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return '\n\n —+/=aZ09 \u2014x'[seed % 16]!;
      });
      expect(await codeOf(() => openNote(chars.join(''), [peter]))).toBeDefined();
    }
  });
});

describe('signed notes: round trip', () => {
  it('a fresh key signs, its verifier key verifies, and a text with blank lines keeps them', async () => {
    const signer = await freshSigner('relay.example/log');
    const verifier = verifierOf(signer);
    const text = 'line one\n\nline three, after a blank line\n';
    const note = await signNote(text, [signer]);
    expect(await openNote(note, [verifier])).toEqual({ text, signatures: [{ name: signer.name, keyId: verifier.keyId }] });
    const other = await freshSigner('relay.example/log');
    const otherVerifier = verifierOf(other);
    expect((await codeOf(() => openNote(note, [otherVerifier])))?.[0]).toBe('key-mismatch');
  });

  it('refuses to sign what could not be opened', async () => {
    const signer = await freshSigner('relay.example/log');
    expect((await codeOf(() => signNote('no newline', [signer])))?.[1]).toMatch(/end with a newline/);
    expect((await codeOf(() => signNote('tab\there\n', [signer])))?.[0]).toBe('malformed');
    expect((await codeOf(() => signNote(GO_TEXT, [])))?.[1]).toMatch(/at least one signature/);
    expect((await codeOf(() => signNote(GO_TEXT, [{ ...signer, name: 'a b' }])))?.[0]).toBe('malformed');
    expect((await codeOf(() => signNote('x'.repeat(MAX_NOTE_BYTES) + '\n', [signer])))?.[0]).toBe('too-large');
  });
});
