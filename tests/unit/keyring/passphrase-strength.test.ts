// The backup passphrase estimate (lib/keyring/passphrase-strength.ts): weak guesses stay weak however long,
// random-looking and many-word passphrases rise, and nothing crashes on odd input.
import { describe, expect, it } from 'vitest';
import { FAIR_BITS, passphraseStrength, STRONG_BITS } from '@/lib/keyring/passphrase-strength';

const verdict = (p: string) => passphraseStrength(p).verdict;

describe('backup passphrase strength', () => {
  it('too short below the backup minimum of 10 characters, whatever the characters', () => {
    expect(verdict('')).toBe('too-short');
    expect(verdict('x7$Qp!2z')).toBe('too-short');
    expect(verdict('ёжик🦔ёжик')).toBe('too-short'); // 9 characters, more bytes
  });

  it('common passwords, repeats, keyboard and alphabet runs are weak however long', () => {
    for (const p of ['password123', 'Password2024!', 'aaaaaaaaaaaaaaaaaaaa', 'qwertyuiopasdfgh', 'abcdefghijklmnop', '12345678901234567890', 'пароль123456', 'letmein!letmein!']) {
      expect(verdict(p), p).toBe('weak');
    }
  });

  it('one or two dictionary-like words are weak; four random words fair; six strong', () => {
    expect(verdict('sunshineflower')).toBe('weak');
    expect(verdict('correct horse battery staple')).toBe('fair');
    expect(verdict('correct horse battery staple orbit lantern')).toBe('strong');
    expect(verdict('верный конь батарейка скрепка')).toBe('fair');
  });

  it('random characters count per character: 12 mixed ones are fair, 16 strong', () => {
    expect(verdict('k9#Vq2!xLp7@')).toBe('fair');
    expect(verdict('k9#Vq2!xLp7@Zt4&')).toBe('strong');
    expect(passphraseStrength('k9#Vq2!xLp7@Zt4&').bits).toBeGreaterThanOrEqual(STRONG_BITS);
  });

  it('adding characters never lowers the estimate much, and the thresholds are ordered', () => {
    expect(FAIR_BITS).toBeLessThan(STRONG_BITS);
    const base = 'correct horse battery staple';
    expect(passphraseStrength(`${base} 7`).bits).toBeGreaterThan(passphraseStrength(base).bits);
    expect(passphraseStrength(`Correct${base.slice(7)}`).bits).toBe(passphraseStrength(base).bits + 1);
  });

  it('odd input: control characters, lone surrogates, a very long string', () => {
    expect(() => passphraseStrength('\u0000\u001b[31m\ud800 text text text')).not.toThrow();
    expect(verdict('x'.repeat(1024))).toBe('weak');
    expect(passphraseStrength('🦔🐢🦜🐙🦑🦀🐡🦞🦐🐌').verdict).not.toBe('too-short');
  });
});
