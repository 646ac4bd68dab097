// Structured JSON-line logs. Callers pass only operational facts: never contents, room or mailbox ids,
// addresses, keys, or who talks to whom (handles appear only in admin events: registered, revoked, ...).
export type LogLevel = 'info' | 'warn' | 'error';

export function log(level: LogLevel, event: string, fields: Record<string, string | number | boolean | null> = {}): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields })}\n`);
}
