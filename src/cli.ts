// `image-layers`: the built-in store (or an engine) from a terminal, with docker-like tables, or the Engine API
// shapes with --json. Exit codes: 0 fine, 1 failed, 2 bad usage, 3 `check` found problems.
import { existsSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError, userMessage, type ImageBackend } from './backend/backend';
import { BuiltinStore } from './backend/store';
import { commandHelp, helpText, readCommandLine, usageLine, UsageError, type CommandSpec, type OptionValues } from './cli/command-line';
import { COMMANDS, print, type CliCommand } from './cli/commands';

/** `help [COMMAND]`: in the table so that it is read and listed like the others, but it needs no backend. */
const HELP_COMMAND: CommandSpec = {
  name: 'help',
  synopsis: '[COMMAND]',
  summary: "show the commands, or one command's usage (also --help, -h)",
  args: { min: 0, max: 1 },
};
const TABLE: readonly (CliCommand | CommandSpec)[] = [...COMMANDS, HELP_COMMAND];
const HELP = helpText(TABLE, 'The store defaults to $IMAGE_LAYERS_STORE or ~/.image-layers/store.');

async function openBackend(values: OptionValues, command: CliCommand): Promise<ImageBackend> {
  if (typeof values.docker !== 'string') {
    const store = typeof values.store === 'string' ? values.store : process.env.IMAGE_LAYERS_STORE || path.join(os.homedir(), '.image-layers', 'store');
    // An empty table would say "no images" of a folder that was never a store: a mistyped --store, most likely.
    if (!command.makesStore && !existsSync(store)) {
      throw new BackendError('not-found', `There is no image store at ${store}: the folder does not exist. Load or pull an image to make one there.`);
    }
    return new BuiltinStore(store);
  }
  // Loaded only when asked for: dockerode is slow to require and the store does not need it.
  const { DockerBackend } = await import('./backend/docker');
  return new DockerBackend({ host: values.docker || undefined });
}

async function run(argv: string[]): Promise<number> {
  const { command, values, args } = readCommandLine(argv, TABLE);
  if (command && !('run' in command)) {
    const named = values.help ? command : TABLE.find((c) => c.name === args[0] || c.aliases?.includes(args[0]));
    if (args[0] && !named) throw new UsageError(`Unknown command "${args[0]}".`);
    print(named ? commandHelp(named) : HELP);
    return 0;
  }
  if (!command || values.help) {
    print(command ? commandHelp(command) : HELP);
    // Nothing asked for is bad usage; asking for help is not.
    return values.help ? 0 : 2;
  }
  let backend: ImageBackend | undefined;
  try {
    const local = command.runLocal?.({ json: values.json === true, values, args });
    if (local) return await local;
    backend = await openBackend(values, command);
    return await command.run({ backend, json: values.json === true, values, args });
  } catch (e) {
    if (e instanceof UsageError && e.usage === undefined) throw new UsageError(e.message, usageLine(command));
    throw e;
  } finally {
    backend?.dispose();
  }
}

async function main(): Promise<void> {
  // A reader that stops early (`| head`) ends the output, as it does the docker CLI's: not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  let code: number;
  try {
    code = await run(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${e.usage ?? HELP}\n`);
      code = 2;
    } else {
      process.stderr.write(`Error: ${userMessage(e)}\n`);
      code = 1;
    }
  }
  process.exitCode = code;
}

void main();
