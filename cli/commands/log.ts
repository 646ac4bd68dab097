// Key-log commands (docs/CLI.md "Key log"): `log checkpoint` and `log audit`. The checks `lookup --state`
// and `listen` run live in ../log-state.ts.
import type { Command } from 'commander';
import { LogAuditor } from '../../lib/keylog/audit';
import { LogInconsistency, openState, verifyHead } from '../../lib/keylog/verify';
import { LOG_PAGE_MAX } from '../../lib/protocol/relay';
import { examples, writeStdout } from '../io';
import { loadState, logChecks, saveState, treeSize } from '../log-state';
import { proxyOption, withProxyOption, type RelayOptions } from '../proxy-option';
import { relayClient, relayErrors } from './relay';

async function checkpoint(opts: RelayOptions): Promise<void> {
  const client = relayClient(opts.relay, proxyOption(opts.proxy));
  try {
    const answer = await relayErrors(() => logChecks(() => client.logCheckpoint(0)));
    // Its own key must verify it: a printed checkpoint is one the relay cannot disown.
    await logChecks(() => verifyHead(answer, null));
    await writeStdout(answer.checkpoint);
  } finally {
    client.close();
  }
}

async function audit(opts: RelayOptions & { state: string }): Promise<void> {
  const proxy = proxyOption(opts.proxy);
  const kept = await loadState(opts.state);
  const client = relayClient(opts.relay, proxy);
  let summary: string;
  try {
    summary = await relayErrors(() =>
      logChecks(async () => {
        const head = await verifyHead(await client.logCheckpoint(treeSize(kept)), kept);
        const auditor = new LogAuditor(head.verifier.publicKey);
        for (let start = 0; start < head.checkpoint.size; start += LOG_PAGE_MAX) {
          const { page } = await client.logEntries(head.checkpoint.size, start, LOG_PAGE_MAX);
          const expected = Math.min(LOG_PAGE_MAX, head.checkpoint.size - start);
          if (page.length !== expected) throw new LogInconsistency('missing-proof', `the relay sent ${page.length} entries from ${start}, not ${expected}`);
          await auditor.add(page);
        }
        auditor.finish(head.checkpoint, kept ? (await openState(kept)).checkpoint : null);
        await saveState(opts.state, kept, head.state);
        return `audited ${auditor.entries} entries of ${auditor.handleCount} handles: every signature verifies, the root matches`;
      }),
    );
  } finally {
    client.close();
  }
  await writeStdout(`${summary}\n`);
}

export function registerLogCommands(program: Command): void {
  const log = program
    .command('log')
    .description("check a relay's key log")
    .addHelpText('after', examples('c2c log checkpoint --relay ws://127.0.0.1:8787', 'c2c log audit --relay ws://127.0.0.1:8787 --state relay.state'));
  withProxyOption(log.command('checkpoint'))
    .description("print the relay's signed checkpoint (C2SP signed note)")
    .requiredOption('--relay <url>', 'relay URL')
    .addHelpText('after', examples('c2c log checkpoint --relay ws://127.0.0.1:8787'))
    .action(checkpoint);
  withProxyOption(log.command('audit'))
    .description('download the whole key log, check every entry and its consistency with the state file')
    .requiredOption('--relay <url>', 'relay URL')
    .requiredOption('--state <file>', 'key-log state file for this relay (created on first use)')
    .addHelpText('after', examples('c2c log audit --relay ws://127.0.0.1:8787 --state relay.state'))
    .action(audit);
}
