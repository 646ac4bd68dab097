// The chat bench's messages: what people type into a chat, 20–200 characters of English, Russian, digits,
// punctuation and emoji (1–4 UTF-8 bytes per character). Seeded, so every run sends the same texts.
import { mulberry32 } from '../../tests/fixtures/pages';

const WORDS = ('ok thanks see you at 10:30 tomorrow? the build is green again 👍 can you review my PR #42 lunch ' +
  'привет как дела встречаемся завтра в офисе 🙂 спасибо большое созвонимся вечером да нет может быть ' +
  '🎉 great news! sending the file now… where are the keys 🔑 погода отличная 😂 lol brb 5 min').split(' ');

export const TEXT_CHARS = { min: 20, max: 200 };

/** `count` texts; each has between TEXT_CHARS.min and .max characters (code points). */
export function chatTexts(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  return Array.from({ length: count }, () => {
    const length = TEXT_CHARS.min + Math.floor(rand() * (TEXT_CHARS.max - TEXT_CHARS.min + 1));
    let text = pick();
    while ([...text].length < length) text += ` ${pick()}`;
    return [...text].slice(0, length).join('').replace(/ $/, '.');
  });
}
