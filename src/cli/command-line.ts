// The command line read against the table of commands with node:util's parseArgs, strictly: an option a
// command does not declare is a usage error (exit 2), never an image name. Help is written from the same table.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

export class UsageError extends Error {
  /** `usage`: the usage line shown under the message; the whole help when undefined. */
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** What follows the name in a usage line: `[-a]`, `-o FILE IMAGE...`. */
  synopsis: string;
  /** One line, or a few, for `help`. */
  summary: string;
  options?: OptionSpecs;
  /** How many arguments it takes, and the sentence when it gets too few. */
  args: { min: number; max?: number; missing?: string };
}

/** Options every command accepts, before or after its name. */
export const GLOBAL_OPTIONS = {
  store: { type: 'string' },
  docker: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies OptionSpecs;

const GLOBAL_SYNOPSIS = '[--store DIR | --docker [HOST]] [--json]';

export interface CommandLine<C extends CommandSpec> {
  /** Undefined when none was named (`image-layers`, `image-layers --help`). */
  command?: C;
  values: OptionValues;
  args: string[];
}

/**
 * `--docker` takes its value only when the next word is an engine address (`--docker unix:///x.sock ls`), so that
 * `--docker ls` still means the default engine; parseArgs has no optional values, so the word is joined here.
 */
function joinDockerAddress(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (argv[i] !== '--docker') out.push(argv[i]);
    else if (/^(unix|tcp|ssh|npipe|https?):\/\//.test(argv[i + 1] ?? '')) out.push(`--docker=${argv[++i]}`);
    else out.push('--docker=');
  }
  return out;
}

export function usageLine(spec: CommandSpec): string {
  return `Usage: image-layers ${GLOBAL_SYNOPSIS} ${spec.name}${spec.synopsis ? ` ${spec.synopsis}` : ''}`;
}

/** `image-layers help COMMAND`: its usage line, what it does, and every option it declares. */
export function commandHelp(spec: CommandSpec): string {
  const options = Object.entries({ ...spec.options, ...GLOBAL_OPTIONS }).map(
    ([name, o]) => `  ${'short' in o && o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ' VALUE' : ''}`,
  );
  return `${usageLine(spec)}\n\n${spec.summary}\n\nOptions:\n${options.join('\n')}`;
}

/** `image-layers help`: every command of the table with its synopsis and summary. */
export function helpText(specs: readonly CommandSpec[], footer: string): string {
  const heads = specs.map((s) => [s.name, ...(s.aliases ?? [])].join(', ') + (s.synopsis ? ` ${s.synopsis}` : ''));
  const width = Math.min(34, Math.max(...heads.map((h) => h.length))) + 2;
  const rows = specs.map((s, i) => {
    const [first, ...more] = s.summary.split('\n');
    const head = heads[i].length >= width ? `${heads[i]}\n${' '.repeat(width + 2)}` : heads[i].padEnd(width);
    return [`  ${head}${first}`, ...more.map((m) => `${' '.repeat(width + 2)}${m}`)].join('\n');
  });
  return `Usage: image-layers ${GLOBAL_SYNOPSIS} COMMAND [ARGS]\n\nCommands:\n${rows.join('\n')}\n\n${footer}`;
}

/** Reads argv (without node and the script) against the table; throws UsageError on anything it does not declare. */
export function readCommandLine<C extends CommandSpec>(argv: readonly string[], specs: readonly C[]): CommandLine<C> {
  const words = joinDockerAddress(argv);
  // First pass, lenient: only to find the command's name among the global options.
  const { tokens } = parseArgs({ args: words, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const named = tokens.find((t) => t.kind === 'positional');
  if (!named) return { values: globalValues(words), args: [] };
  const command = specs.find((s) => s.name === named.value || s.aliases?.includes(named.value));
  if (!command) throw new UsageError(`Unknown command "${named.value}".`);
  const rest = [...words.slice(0, named.index), ...words.slice(named.index + 1)];
  const usage = usageLine(command);
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(optionProblem(e, command.name), usage);
  }
  const { args } = command;
  if (!parsed.values.help && parsed.positionals.length < args.min) throw new UsageError(args.missing ?? `${command.name} needs an argument.`, usage);
  if (args.max !== undefined && parsed.positionals.length > args.max) {
    throw new UsageError(`${command.name} takes ${args.max === 0 ? 'no arguments' : `at most ${args.max}`}; got ${parsed.positionals.map((p) => `"${p}"`).join(' ')}.`, usage);
  }
  return { command, values: parsed.values, args: parsed.positionals };
}

function globalValues(words: string[]): OptionValues {
  try {
    return parseArgs({ args: words, options: GLOBAL_OPTIONS, strict: true }).values;
  } catch (e) {
    throw new UsageError(optionProblem(e));
  }
}

/** parseArgs' messages name the option and then explain `--`; the first sentence, said plainly, is what a user needs. */
function optionProblem(e: unknown, command?: string): string {
  const { code, message } = e as NodeJS.ErrnoException;
  const option = /'([^']+)'/.exec(message)?.[1]?.replace(/ <value>$/, '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}${command ? ` for ${command}` : ''}.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/does not take/.test(message)) return `${option} takes no value.`;
    return option === '--store' ? '--store needs a folder.' : `${option} needs a value.`;
  }
  return message.split('\n')[0];
}
