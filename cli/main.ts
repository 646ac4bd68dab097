// `c2c` entry point: builds the command tree and turns every failure into one stderr line and an exit code.
import { Command, CommanderError } from 'commander';
import { CliError, EXIT, errorLine, examples, writeStderrLine } from './io';
import { usePassphraseFile } from './passphrase';

type Register = (program: Command) => void;

/**
 * Command groups, loaded on demand: each launch imports only the group it runs (crypto, cryptico, ws
 * are large), which keeps `c2c` quick to start. Help or an unknown name loads them all.
 */
const GROUPS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['keygen', 'pub', 'fingerprint', 'safety-number'], load: async () => (await import('./commands/keys')).registerKeyCommands },
  { names: ['card', 'pin-card'], load: async () => (await import('./commands/cards')).registerCardCommands },
  { names: ['encrypt', 'decrypt'], load: async () => (await import('./commands/crypt')).registerCryptCommands },
  { names: ['encrypt-file', 'decrypt-file'], load: async () => (await import('./commands/files')).registerFileCommands },
  { names: ['rotate'], load: async () => (await import('./commands/rotate')).registerRotateCommand },
  { names: ['protect', 'unprotect'], load: async () => (await import('./commands/protect')).registerProtectCommands },
  {
    names: ['register', 'lookup', 'send', 'listen', 'relay-admin'],
    load: async () => (await import('./commands/relay')).registerRelayCommands,
  },
  { names: ['log'], load: async () => (await import('./commands/log')).registerLogCommands },
];

/** Options of the program itself that take a value, so the value is not taken for the command's name. */
const GLOBAL_VALUE_OPTIONS = ['--passphrase-file'];

async function groupsFor(argv: string[]): Promise<Register[]> {
  const name = argv.slice(2).find((arg, i, args) => !arg.startsWith('-') && !GLOBAL_VALUE_OPTIONS.includes(args[i - 1] ?? ''));
  const chosen = GROUPS.filter((g) => name !== undefined && g.names.includes(name));
  return Promise.all((chosen.length > 0 ? chosen : GROUPS).map((g) => g.load()));
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('c2c')
    .description('Crypt2Chat command line: keys, end-to-end encrypted messages, relay client')
    .exitOverride()
    // One line per failure: no "(Did you mean …?)" second line. Subcommands inherit these settings.
    .showSuggestionAfterError(false)
    // Commander's own usage errors get the same "c2c: " prefix as ours.
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `c2c: ${text}` : text) })
    // Every command that reads a key file reads protected ones (cli/keyfile.ts): the option is the program's,
    // accepted before or after the command's name, and listed in each command's help.
    .option('--passphrase-file <file>', 'read the passphrase of protected key files from the first line of FILE instead of asking on the terminal')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', examples('c2c keygen --out alice.key --handle alice', 'c2c <command> --help      # options and an example for each command'))
    .hook('preAction', (self) => usePassphraseFile((self.opts() as { passphraseFile?: string }).passphraseFile));
  for (const register of await groupsFor(argv)) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successful exits; commander has printed the usage error already.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    writeStderrLine(errorLine(error));
    return error instanceof CliError ? error.exitCode : EXIT.failure;
  }
}

// A failure outside the command's promise (a stray callback) still ends as one line, not a stack trace.
const fatal = (error: unknown) => {
  writeStderrLine(errorLine(error));
  process.exit(EXIT.failure);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

// exitCode rather than process.exit(): lets stdout drain when it is a pipe.
process.exitCode = await main(process.argv);
