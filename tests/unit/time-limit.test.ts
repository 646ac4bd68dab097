// withinTime: an answer in time is passed on; one that never comes gives the fallback, once.
import { describe, expect, it } from 'vitest';
import { withinTime } from '../../lib/time-limit';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('withinTime', () => {
  it('passes on an answer that comes in time', async () => {
    expect(await withinTime(after(5, 'answer'), 1000, () => 'none')).toBe('answer');
  });

  it('gives the fallback when the promise never settles, and ignores a late answer', async () => {
    const started = Date.now();
    expect(await withinTime(new Promise<string>(() => undefined), 50, () => 'none')).toBe('none');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(await withinTime(after(200, 'late'), 20, () => 'none')).toBe('none');
  });

  it('passes on a failure that comes in time', async () => {
    await expect(withinTime(Promise.reject(new Error('refused')), 1000, () => 'none')).rejects.toThrow('refused');
  });
});
