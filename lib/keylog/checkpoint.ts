// C2SP transparency-log checkpoints (c2sp.org/tlog-checkpoint): the note text a log signs to commit to
// its tree head, inside a signed note (note.ts):
//
//   <origin>
//   <tree size, decimal, no leading zeros>
//   <base64 root hash, 32 bytes>
//   [extension lines, each non-empty]
//
// Every line ends in a newline. Go's sum.golang.org tree notes are checkpoints with the origin
// "go.sum database tree"; their vector is in the tests.
import { fromBase64, toBase64 } from '../bytes';
import { C2CError } from '../errors';
import { HASH_LENGTH } from './merkle';
import { checkNoteText, openNote, signNote, type NoteSignature, type NoteSigner, type NoteVerifier } from './note';

export interface Checkpoint {
  /** The log's identity; our relays use their verifier key name. */
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Opaque, optional, non-empty lines after the root (the spec advises against using them). */
  extensions: readonly string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function checkLines(checkpoint: Checkpoint): void {
  const { origin, extensions } = checkpoint;
  if (origin === '' || origin.includes('\n')) throw new C2CError('malformed', 'a checkpoint origin is one non-empty line');
  if (extensions.some((line) => line === '' || line.includes('\n'))) {
    throw new C2CError('malformed', 'a checkpoint extension is one non-empty line');
  }
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  checkLines(checkpoint);
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) {
    throw new C2CError('malformed', 'a checkpoint tree size is a non-negative integer');
  }
  if (checkpoint.rootHash.length !== HASH_LENGTH) throw new C2CError('malformed', 'a checkpoint root hash is 32 bytes');
  const lines = [checkpoint.origin, String(checkpoint.size), toBase64(checkpoint.rootHash), ...checkpoint.extensions];
  const text = lines.map((line) => `${line}\n`).join('');
  checkNoteText(text);
  return text;
}

/** Parses a checkpoint note text (no signatures); throws C2CError 'malformed' / 'too-large'. */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw new C2CError('malformed', 'a checkpoint is text');
  checkNoteText(text);
  const [origin, sizeText, rootText, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw new C2CError('malformed', 'a checkpoint has an origin, a tree size and a root hash line');
  }
  if (!DECIMAL.test(sizeText)) throw new C2CError('malformed', 'a checkpoint tree size is decimal digits without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new C2CError('too-large', 'the checkpoint tree size is beyond what we can count exactly');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootText);
  } catch {
    throw new C2CError('malformed', 'the checkpoint root hash is not valid base64');
  }
  if (rootHash.length !== HASH_LENGTH) throw new C2CError('malformed', 'a checkpoint root hash is 32 bytes');
  const checkpoint = { origin, size, rootHash, extensions };
  checkLines(checkpoint);
  return checkpoint;
}

export async function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Opens a signed checkpoint of the log `origin`: the note must verify (openNote) and name that origin, so
 * a checkpoint of another log signed by the same key is not taken for this log's ('wrong-channel').
 */
export async function openCheckpoint(
  note: string,
  origin: string,
  verifiers: readonly NoteVerifier[],
): Promise<{ checkpoint: Checkpoint; signatures: NoteSignature[] }> {
  const opened = await openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) throw new C2CError('wrong-channel', `this checkpoint is for another log (${checkpoint.origin.slice(0, 80)})`);
  return { checkpoint, signatures: opened.signatures };
}
