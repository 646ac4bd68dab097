// The message frame checks its three background answers without zod (entrypoints/message-frame/answers.ts).
// Whatever the background or a forger sends, it must reach the same verdict as the API's zod schemas.
import { describe, expect, it } from 'vitest';
import { checkDecryptAnswer, checkJoinP2PAnswer, checkPinCardAnswer, checkSecurityAnswer } from '@/entrypoints/message-frame/answers';
import { API_ERROR_CODES, parseResponse } from '@/lib/protocol/background-api';

const message = { plaintext: 'hi ю 🙂', senderFingerprint: 'ab12' };
const card = { handle: 'alice', fingerprint: 'AB12 CD34' };
/** Contact card summaries: each `known`, then hostile ones. */
const cards: unknown[] = [
  ...(['new', 'pinned', 'changed', 'own'] as const).map((known) => ({ ...card, known })),
  { ...card, known: 'new', html: '<b>x</b>' },
  { ...card, known: 'verified' },
  { ...card, known: 'New' },
  { ...card, known: 'toString' },
  { ...card, handle: 7, known: 'new' },
  { handle: 'alice', known: 'new' },
  { ...card },
  null,
  [],
];
/** Peer-to-peer token summaries: each kind and state, then hostile ones. */
const p2ps: unknown[] = [
  ...(['offer', 'answer'] as const).flatMap((kind) => (['join', 'sent', 'accepted', 'stale'] as const).map((state) => ({ kind, handle: 'alice', own: false, state }))),
  { kind: 'offer', handle: null, own: true, state: 'sent' },
  { kind: 'offer', handle: 'alice', own: false, state: 'join', html: '<b>x</b>' },
  { kind: 'offer', handle: 'alice', own: 'no', state: 'join' },
  { kind: 'Offer', handle: 'alice', own: false, state: 'join' },
  { kind: 'offer', handle: 7, own: false, state: 'join' },
  { kind: 'offer', own: false, state: 'join' },
  { kind: 'offer', handle: 'alice', own: false, state: 'toString' },
  null,
];
const results: unknown[] = [
  { status: 'verified', ...message, senderHandle: 'alice' },
  { status: 'pinned', ...message, senderHandle: 'alice' },
  { status: 'unverified', ...message },
  { status: 'legacy', ...message, legacyAuthentic: false },
  { status: 'legacy', ...message, senderHandle: 'bob', legacyAuthentic: true },
  ...API_ERROR_CODES.map((code) => ({ status: 'error', reason: { code, message: 'why' } })),
  ...cards.map((card) => ({ status: 'card', card })),
  { status: 'card', card: cards[0], plaintext: 'leak' },
  { status: 'card' },
  ...p2ps.map((p2p) => ({ status: 'p2p', p2p })),
  { status: 'p2p', p2p: p2ps[0], plaintext: 'leak' },
  // Hostile or broken: extra fields (dropped), wrong types, unknown status or code, missing fields.
  { status: 'verified', ...message, senderHandle: 'alice', legacyAuthentic: true, html: '<b>x</b>' },
  { status: 'error', reason: { code: 'replayed', message: 'm', extra: 1 }, plaintext: 'leak' },
  { status: 'verified', plaintext: 'x' },
  { status: 'verified', ...message, senderHandle: null },
  { status: 'verified', ...message, senderHandle: 7 },
  { status: 'verified', ...message, plaintext: ['x'] },
  { status: 'legacy', ...message },
  { status: 'legacy', ...message, legacyAuthentic: 'yes' },
  { status: 'VERIFIED', ...message },
  { status: 'Pinned', ...message },
  { status: 'error', reason: { code: 'no-such-code', message: 'm' } },
  { status: 'error', reason: { code: '__proto__', message: 'm' } },
  { status: 'error', reason: { code: 'toString', message: 'm' } },
  { status: 'error', reason: { code: 'replayed' } },
  { status: 'error', reason: 'replayed' },
  { status: 'error' },
  { ...message },
  [],
  null,
  'verified',
];

const answers: unknown[] = [
  ...results.map((result) => ({ ok: true, result })),
  { ok: false, error: { code: 'no-identity', message: 'none' } },
  { ok: false, error: { code: 'unavailable', message: 'asleep', more: true } },
  { ok: false, error: { code: 'made-up', message: 'x' } },
  { ok: false, error: null },
  { ok: false, result: results[0] },
  { ok: 'true', result: results[0] },
  { result: results[0] },
  { ok: true },
  [{ ok: true, result: results[0] }],
  undefined,
  null,
  42,
  'ok',
];

describe('message frame answers', () => {
  it('reads every decrypt answer as the API schemas do, and hostile ones as the wrong shape', () => {
    for (const raw of answers) expect(checkDecryptAnswer(raw), JSON.stringify(raw) ?? String(raw)).toStrictEqual(parseResponse('decrypt', raw));
    expect(checkDecryptAnswer(answers[0])).toStrictEqual({ ok: true, result: results[0] });
    expect(checkDecryptAnswer({ ok: true, result: { status: 'verified', plaintext: 'x' } })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('reads every pinCard answer as the API schemas do', () => {
    const pinResults = ['pinned', 'unchanged', 'prekey-updated', 'key-changed', 'verified', 'Pinned', '__proto__', 1, null];
    const raws: unknown[] = [
      ...pinResults.flatMap((result) => cards.map((c) => ({ ok: true, result, card: c }))),
      { ok: true, result: 'pinned' },
      { ok: true, card: cards[0] },
      { ok: false, error: { code: 'card-forged', message: 'changed' } },
      { ok: false, error: { code: 'card-prekey-swapped', message: 'swapped' } },
      { ok: false, error: { code: 'made-up', message: 'x' } },
      null,
    ];
    for (const raw of raws) expect(checkPinCardAnswer(raw), JSON.stringify(raw) ?? String(raw)).toStrictEqual(parseResponse('pinCard', raw));
    expect(checkPinCardAnswer(raws[0])).toStrictEqual({ ok: true, result: 'pinned', card: cards[0] });
  });

  it('reads every joinP2PChat answer as the API schemas do', () => {
    const raws: unknown[] = [
      { ok: true, written: true, parts: ['c2c2abc'] },
      { ok: true, written: false, parts: ['c2c2a', 'c2c2b'] },
      { ok: true, written: true, parts: [] },
      { ok: true, written: 'yes', parts: ['c2c2abc'] },
      { ok: true, written: true, parts: [1] },
      { ok: true, written: true },
      { ok: true, written: true, parts: ['c2c2abc'], extra: '<img>' },
      { ok: false, error: { code: 'replayed', message: 'used' } },
      { ok: false, error: { code: 'foreign-fingerprint', message: 'foreign' } },
      { ok: false, error: { code: 'made-up', message: 'x' } },
      null,
    ];
    for (const raw of raws) expect(checkJoinP2PAnswer(raw), JSON.stringify(raw) ?? String(raw)).toStrictEqual(parseResponse('joinP2PChat', raw));
    expect(checkJoinP2PAnswer(raws[0])).toStrictEqual({ ok: true, written: true, parts: ['c2c2abc'] });
  });

  it('reads every security answer as the API schemas do', () => {
    const securities: unknown[] = [
      { colour: '#0a0', image: 'owl' },
      { colour: null, image: null },
      { colour: '#0a0', image: 'owl', extra: '<img>' },
      { colour: 1, image: null },
      { colour: '#0a0' },
      { image: undefined, colour: null },
      [],
      null,
    ];
    const raws: unknown[] = [...securities.map((security) => ({ ok: true, security })), { ok: false, error: { code: 'forbidden', message: 'no' } }, { ok: true }, null];
    for (const raw of raws) expect(checkSecurityAnswer(raw), JSON.stringify(raw) ?? String(raw)).toStrictEqual(parseResponse('getSecurity', raw));
    expect(checkSecurityAnswer(raws[0])).toStrictEqual({ ok: true, security: securities[0] });
  });
});
