// The options page's rules for a backup passphrase (components/popup/backup-strength.ts) on the real
// zxcvbn-ts estimator it loads (strength-estimator.ts), and the "rotate now" result line (rotation-result.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translations } from '@zxcvbn-ts/language-en';
import { describe, expect, it } from 'vitest';
import { exportAllowed, guessesExponent, MIN_BACKUP_SCORE, strengthFeedback, strengthLabelKey, type StrengthScore, type StrengthWarning } from '@/components/popup/backup-strength';
import { rotationResultKey } from '@/components/popup/rotation-result';
import { loadEstimator } from '@/components/popup/strength-estimator';

const SCORES: StrengthScore[] = [0, 1, 2, 3, 4];
const catalogue = (locale: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../../public/_locales', locale, 'messages.json'), 'utf8')) as Record<string, unknown>;
const [en, ru] = [catalogue('en'), catalogue('ru')];

describe('backup passphrase strength', () => {
  it('only score 4 (10^10 guesses and more) allows a backup', () => {
    expect(MIN_BACKUP_SCORE).toBe(4);
    expect(SCORES.filter(exportAllowed)).toEqual([4]);
  });

  it('each score has its own label, in both catalogues', () => {
    const labels = SCORES.map(strengthLabelKey);
    expect(new Set(labels).size).toBe(5);
    for (const key of labels) expect([key in en, key in ru], key).toEqual([true, true]);
  });

  it("every warning zxcvbn can give is worded in both catalogues; without one, the guesses' power of ten", () => {
    const warnings = Object.keys(translations.warnings) as StrengthWarning[];
    expect(warnings.length).toBeGreaterThan(10);
    for (const warning of warnings) {
      const { key, substitutions } = strengthFeedback({ score: 1, guesses: 1e4, warning });
      expect([key in en, key in ru, substitutions], warning).toEqual([true, true, undefined]);
    }
    expect(strengthFeedback({ score: 4, guesses: 3.2e21, warning: null })).toEqual({ key: 'strengthGuesses', substitutions: '21' });
    expect([1, 9, 10, 999, 1000, 1e10 - 1, 1e10].map(guessesExponent)).toEqual([0, 0, 1, 2, 3, 9, 10]);
  });

  it('the loaded estimator: a common password is refused with its warning, six random words are accepted', async () => {
    const estimate = await loadEstimator();
    expect(await loadEstimator()).toBe(estimate); // loaded once per page
    const weak = estimate('password1');
    expect(weak.score).toBeLessThanOrEqual(2);
    expect(weak.warning).toBe('common');
    expect(exportAllowed(weak.score)).toBe(false);
    for (const p of ['Password2024!', 'sunshineflower', 'aaaaaaaaaaaaaaaa', 'qwertyuiopasdfgh']) expect(exportAllowed(estimate(p).score), p).toBe(false);
    const strong = estimate('orbit lantern velvet quiz marble thunder');
    expect(strong.score).toBe(4);
    expect(guessesExponent(strong.guesses)).toBeGreaterThanOrEqual(20);
    // The passphrases the other browser tests back up with must stay accepted.
    for (const p of ['correct horse battery staple', 'lantern meadow copper violin', 'seven quiet otters swim north']) expect(exportAllowed(estimate(p).score), p).toBe(true);
  });
});

describe('prekey rotation result', () => {
  it('says published, or why not: the relay failed, or there is no registration', () => {
    expect(rotationResultKey(true, true)).toBe('prekeyRotatedPublished');
    expect(rotationResultKey(false, true)).toBe('prekeyRotatedRelayFailed');
    expect(rotationResultKey(false, false)).toBe('prekeyRotatedNotRegistered');
  });
});
