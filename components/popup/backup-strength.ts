// What the backup form makes of a strength estimate (zxcvbn's score 0–4, its guess count and warning): the
// label, whether a backup may be made with it, and the words shown. Pure, so the rule is unit-tested;
// the estimator itself is loaded only by the options page (strength-estimator.ts).
import type { Score, TranslationKeys } from '@zxcvbn-ts/core';
import type { MessageKey } from '../i18n';

export type StrengthScore = Score;
export type StrengthWarning = keyof TranslationKeys['warnings'];

export interface StrengthEstimate {
  score: StrengthScore;
  /** zxcvbn's estimate of the guesses an attacker needs (at least 1). */
  guesses: number;
  warning: StrengthWarning | null;
}

/**
 * zxcvbn's 4 starts at 10^10 guesses. Its 3 ("safely unguessable", from 10^8) is only "modest protection
 * from offline attacks" on a slow hash, which our scrypt is (docs/KEYRING.md); a backup file can be
 * attacked offline for as long as anyone likes, so only 4 is accepted.
 */
export const MIN_BACKUP_SCORE = 4;

export const exportAllowed = (score: StrengthScore): boolean => score >= MIN_BACKUP_SCORE;

const LABEL_KEYS: Record<StrengthScore, MessageKey> = {
  0: 'strengthVeryWeak',
  1: 'strengthWeak',
  2: 'strengthFair',
  3: 'strengthGood',
  4: 'strengthStrong',
};

export const strengthLabelKey = (score: StrengthScore): MessageKey => LABEL_KEYS[score];

// zxcvbn's warnings, in our own catalogues (its English texts would stand out in the Russian UI).
const WARNING_KEYS: Record<StrengthWarning, MessageKey> = {
  straightRow: 'strengthWarnStraightRow',
  keyPattern: 'strengthWarnKeyPattern',
  simpleRepeat: 'strengthWarnRepeat',
  extendedRepeat: 'strengthWarnRepeat',
  sequences: 'strengthWarnSequences',
  recentYears: 'strengthWarnDates',
  dates: 'strengthWarnDates',
  topTen: 'strengthWarnCommon',
  topHundred: 'strengthWarnCommon',
  common: 'strengthWarnCommon',
  similarToCommon: 'strengthWarnSimilarToCommon',
  wordByItself: 'strengthWarnOneWord',
  namesByThemselves: 'strengthWarnNames',
  commonNames: 'strengthWarnNames',
  userInputs: 'strengthWarnPersonal',
  pwned: 'strengthWarnCommon',
};

/** The feedback line: zxcvbn's warning when it has one, else how many guesses the estimate says it takes. */
export function strengthFeedback(estimate: StrengthEstimate): { key: MessageKey; substitutions?: string } {
  if (estimate.warning) return { key: WARNING_KEYS[estimate.warning] };
  return { key: 'strengthGuesses', substitutions: String(guessesExponent(estimate.guesses)) };
}

/** The guess count as a power of ten, rounded down: "about 10^N guesses". */
export const guessesExponent = (guesses: number): number => Math.max(0, Math.floor(Math.log10(guesses)));
