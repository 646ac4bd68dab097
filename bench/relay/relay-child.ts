// Runs our relay (relay/main.ts, same flags) in this process, so the bench measures the real server,
// plus one thing the bench needs: if the bench dies without stopping it, its stdin pipe closes and the
// relay shuts down gracefully instead of lingering.
process.stdin.resume();
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
await import('../../relay/main');
