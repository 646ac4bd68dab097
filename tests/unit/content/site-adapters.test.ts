// Which adapter a page gets, and what an adapter may hand on as a conversation id (page text: hostile).
import { describe, expect, it } from 'vitest';
import { conversationName } from '@/entrypoints/content/sites/adapter';
import { adapterFor } from '@/entrypoints/content/sites';
import { MAX_CONVERSATION_LENGTH } from '@/lib/content/frames';
import { messageFragment, parseMessageFragment } from '@/lib/content/message-frame';

describe('site adapters', () => {
  it('the team-chat fixture gets its adapter, with the generic box finder filled in; everything else the generic one', () => {
    const team = adapterFor(new URL('http://127.0.0.1:8790/team?room=general'));
    expect(team).toMatchObject({ name: 'team-chat (fixture)', maxLength: 600 });
    expect(team.findBoxes).toBe(adapterFor(new URL('https://example.org/')).findBoxes);
    for (const url of ['http://127.0.0.1:8790/plain', 'https://team.example.org/team', 'http://127.0.0.1.evil.example/team']) {
      expect(adapterFor(new URL(url)).name, url).toBe('generic');
    }
  });

  it('conversation names lose control characters and are bounded; empty is none', () => {
    expect(conversationName('  #general\n')).toBe('#general');
    expect(conversationName('a\u0000\u0007b')).toBe('a b');
    expect(conversationName('x'.repeat(5000))).toHaveLength(MAX_CONVERSATION_LENGTH);
    for (const none of ['', '   ', '\n\t', null, undefined]) expect(conversationName(none)).toBeUndefined();
  });

  it('conversation names are well-formed, so a message frame’s address can carry them: a pair cut by the bound, a lone surrogate', () => {
    for (const pageText of [`${'x'.repeat(MAX_CONVERSATION_LENGTH - 1)}🔐`, 'room \uD800 one', '\uDC00']) {
      const conversation = conversationName(pageText)!;
      expect(conversation.isWellFormed()).toBe(true);
      expect(conversation).toContain('\uFFFD');
      const message = { text: 'c2c2abc', occurrence: 0, conversation };
      expect(parseMessageFragment(`#${messageFragment(message)}`)).toEqual({ ok: true, message });
    }
    expect(conversationName(`${'x'.repeat(MAX_CONVERSATION_LENGTH - 2)}🔐`)).toHaveLength(MAX_CONVERSATION_LENGTH);
  });
});
