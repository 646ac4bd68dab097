// The background answers a message frame reads (decrypt, pinCard, joinP2PChat, getSecurity), checked field by field without
// zod: every new frame evaluates its script anew before it can show anything, and zod with the whole API's
// schemas was most of it. Same shapes and results as parseResponse in lib/protocol/background-api.ts
// (tests/unit/content/message-frame-answers.test.ts holds the two equal, hostile answers included).
import { ERROR_MESSAGE_KEY } from '@/components/i18n';
import type { ApiError, ApiErrorCode, ApiResult, CardSummary, DecryptResult, P2PSummary, SecurityChoice } from '@/lib/protocol/background-api';

type Fields = Record<string, unknown>;

const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

const WRONG_SHAPE = { ok: false, error: { code: 'internal', message: 'The background sent an answer of the wrong shape.' } } as const;

/** The error codes are the keys of the table that names them to the user: one list, kept by the type check. */
function apiError(v: unknown): ApiError | null {
  if (!isFields(v) || !isString(v.code) || !Object.hasOwn(ERROR_MESSAGE_KEY, v.code) || !isString(v.message)) return null;
  return { code: v.code as ApiErrorCode, message: v.message };
}

const CARD_KNOWN = ['new', 'pinned', 'changed', 'own'] as const;
const PIN_RESULTS = ['pinned', 'unchanged', 'prekey-updated', 'key-changed'] as const;
const isOneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

function cardSummary(v: unknown): CardSummary | null {
  if (!isFields(v)) return null;
  const { handle, fingerprint, known } = v;
  return isString(handle) && isString(fingerprint) && isOneOf(CARD_KNOWN, known) ? { handle, fingerprint, known } : null;
}

const P2P_KINDS = ['offer', 'answer'] as const;
const P2P_STATES = ['join', 'sent', 'accepted', 'stale'] as const;

function p2pSummary(v: unknown): P2PSummary | null {
  if (!isFields(v)) return null;
  const { kind, handle, own, state } = v;
  return isOneOf(P2P_KINDS, kind) && (handle === null || isString(handle)) && typeof own === 'boolean' && isOneOf(P2P_STATES, state) ? { kind, handle, own, state } : null;
}

function decryptResult(v: unknown): DecryptResult | null {
  if (!isFields(v)) return null;
  if (v.status === 'error') {
    const reason = apiError(v.reason);
    return reason && { status: 'error', reason };
  }
  if (v.status === 'card') {
    const card = cardSummary(v.card);
    return card && { status: 'card', card };
  }
  if (v.status === 'p2p') {
    const p2p = p2pSummary(v.p2p);
    return p2p && { status: 'p2p', p2p };
  }
  if (v.status !== 'verified' && v.status !== 'pinned' && v.status !== 'unverified' && v.status !== 'legacy') return null;
  const { plaintext, senderFingerprint, senderHandle } = v;
  if (!isString(plaintext) || !isString(senderFingerprint) || (senderHandle !== undefined && !isString(senderHandle))) return null;
  const message = { plaintext, senderFingerprint, ...(senderHandle === undefined ? {} : { senderHandle }) };
  if (v.status !== 'legacy') return { status: v.status, ...message, ...(typeof v.postQuantum === 'boolean' ? { postQuantum: v.postQuantum } : {}) };
  return typeof v.legacyAuthentic === 'boolean' ? { status: 'legacy', ...message, legacyAuthentic: v.legacyAuthentic } : null;
}

function securityChoice(v: unknown): SecurityChoice | null {
  if (!isFields(v)) return null;
  const { colour, image } = v;
  return (colour === null || isString(colour)) && (image === null || isString(image)) ? { colour, image } : null;
}

/** A refusal with a known error, else `{ok: true}` and what `read` takes from the answer, else wrong shape. */
function check<T extends 'decrypt' | 'pinCard' | 'joinP2PChat' | 'getSecurity'>(raw: unknown, read: (answer: Fields) => object | null): ApiResult<T> {
  if (!isFields(raw)) return WRONG_SHAPE;
  if (raw.ok === false) {
    const error = apiError(raw.error);
    if (error) return { ok: false, error };
  }
  const data = raw.ok === true ? read(raw) : null;
  return data ? ({ ok: true, ...data } as ApiResult<T>) : WRONG_SHAPE;
}

export function checkDecryptAnswer(raw: unknown): ApiResult<'decrypt'> {
  return check<'decrypt'>(raw, (answer) => {
    const result = decryptResult(answer.result);
    return result && { result };
  });
}

export function checkPinCardAnswer(raw: unknown): ApiResult<'pinCard'> {
  return check<'pinCard'>(raw, (answer) => {
    const card = cardSummary(answer.card);
    return card && isOneOf(PIN_RESULTS, answer.result) ? { result: answer.result, card } : null;
  });
}

export function checkJoinP2PAnswer(raw: unknown): ApiResult<'joinP2PChat'> {
  return check<'joinP2PChat'>(raw, (answer) => {
    const { written, parts } = answer;
    return typeof written === 'boolean' && Array.isArray(parts) && parts.length > 0 && parts.every(isString) ? { written, parts: parts as string[] } : null;
  });
}

export function checkSecurityAnswer(raw: unknown): ApiResult<'getSecurity'> {
  return check<'getSecurity'>(raw, (answer) => {
    const security = securityChoice(answer.security);
    return security && { security };
  });
}
