// A small, deliberately pessimistic estimate of a backup passphrase's strength, for the field where the user
// types it (no library: none is installed, and the estimate only has to tell weak from strong). The
// passphrase is cut into runs of letters, digits and other characters. A run of letters that reads like a
// word counts as one pick from a vocabulary of 2^13 words (about a Diceware list; a person's choice is not
// random, so a larger vocabulary would flatter) or as random letters, whichever is less; a handful of the
// most guessed passwords count almost nothing; a repeated character counts nothing, and runs like "abc",
// "321" or "qwerty" one bit a character. scrypt (docs/KEYRING.md) slows each guess, but a backup file can be attacked offline for ever:
// hence the thresholds below.
import { MIN_PASSPHRASE_CHARS } from './backup-file';

export type StrengthVerdict = 'too-short' | 'weak' | 'fair' | 'strong';

export interface PassphraseStrength {
  /** Estimated bits of guessing work, rounded down. */
  bits: number;
  verdict: StrengthVerdict;
}

/** Below FAIR_BITS a passphrase is weak; from STRONG_BITS on, strong. */
export const FAIR_BITS = 45;
export const STRONG_BITS = 65;
const WORD_BITS = 13;
const COMMON = new Set(['password', 'passwort', 'pass', 'qwerty', 'letmein', 'admin', 'welcome', 'iloveyou', 'monkey', 'dragon', 'secret', 'пароль', 'йцукен']);
const VOWELS = /[aeiouyаеёиоуыэюя]/u;
const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'йцукенгшщзхъ', 'фывапролджэ', 'ячсмитьбю', '1234567890'];

/** True when `b` follows `a` in the alphabet or on a keyboard row (either direction). */
function predictable(a: string, b: string): boolean {
  if (Math.abs(a.codePointAt(0)! - b.codePointAt(0)!) === 1) return true;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return KEYBOARD_ROWS.some((row) => {
    const i = row.indexOf(x);
    const j = row.indexOf(y);
    return i >= 0 && j >= 0 && Math.abs(i - j) === 1;
  });
}

/** Bits for characters drawn from `pool`: a repeat of the one before counts nothing, a predictable next one a bit. */
function randomBits(chars: string[], pool: number): number {
  return chars.reduce((sum, c, i) => {
    const before = chars[i - 1];
    if (before === undefined) return sum + Math.log2(pool);
    return sum + (before === c ? 0 : predictable(before, c) ? 1 : Math.log2(pool));
  }, 0);
}

function letterRunBits(run: string[]): number {
  const lower = run.join('').toLowerCase();
  const upper = run.filter((c) => c !== c.toLowerCase()).length;
  // Capitals: "Word" costs a guesser one bit, scattered ones a little more.
  const caseBits = upper === 0 ? 0 : upper === 1 && run[0] !== run[0]!.toLowerCase() ? 1 : Math.min(run.length, 2 + upper);
  if (COMMON.has(lower)) return 2 + caseBits;
  const vowels = [...lower].filter((c) => VOWELS.test(c)).length;
  const wordLike = vowels > 0 && vowels / run.length >= 0.2 && vowels / run.length <= 0.7;
  const asRandom = randomBits([...lower], /[a-z]/.test(lower) ? 26 : 33);
  return (wordLike ? Math.min(WORD_BITS, asRandom) : asRandom) + caseBits;
}

export function passphraseStrength(passphrase: string): PassphraseStrength {
  const chars = [...passphrase.normalize('NFC')];
  const runs = passphrase.normalize('NFC').match(/\p{L}+|\p{N}+|[^\p{L}\p{N}]+/gu) ?? [];
  let bits = 0;
  let lastSeparator: string | null = null;
  for (const run of runs) {
    const cs = [...run];
    if (/^\p{L}/u.test(run)) bits += letterRunBits(cs);
    else if (/^\p{N}/u.test(run)) bits += randomBits(cs, 10);
    else {
      // The same separator between words again ("correct horse battery") tells a guesser almost nothing new.
      bits += run === lastSeparator ? 1 : randomBits(cs, 33);
      lastSeparator = run;
    }
  }
  const rounded = Math.floor(bits);
  if (chars.length < MIN_PASSPHRASE_CHARS) return { bits: rounded, verdict: 'too-short' };
  return { bits: rounded, verdict: rounded >= STRONG_BITS ? 'strong' : rounded >= FAIR_BITS ? 'fair' : 'weak' };
}
