// A Dockerfile's final stage set against an image's history: which instruction made which history row. Each
// builder writes a step its own way (docs/engines.md, *Which step made which layer*): BuildKit `RUN |1 A=1
// /bin/sh -c … # buildkit` and `COPY a /b # buildkit`; the classic builder `/bin/sh -c #(nop) COPY file:… in /b`
// and exec-form RUNs bare; podman `/bin/sh -c ["sh", "-c", …]` and COPY destinations unsubstituted. Both sides are
// reduced to what every builder keeps, and the two lists are aligned as a diff (jsdiff's Myers), so an edited
// instruction is left unpaired ("changed since the build") instead of taking another step's layer.
import { diffArrays } from 'diff';
import { DockerfileParser, type Arg } from 'dockerfile-ast';
import { argDefaults, substitute, type Range } from './dockerfile-refs';

export interface DockerfileStep {
  /** Upper-case instruction: RUN, COPY, ENV… */
  keyword: string;
  /** The whole instruction, continuation lines included. */
  range: Range;
  /** Its arguments (flags included), continuation lines included. */
  argsRange: Range;
  /** The arguments with line continuations joined, as the builder reads them. */
  args: string;
}

export interface FinalStage {
  /** The image the final stage starts FROM, ARGs substituted (a stage name when it starts from another stage). */
  from?: string;
  /** The line of the final stage's FROM. */
  fromLine?: number;
  /** The final stage's instructions after its FROM, in order. */
  steps: DockerfileStep[];
  /** ARG defaults in scope (the ones before the first FROM and the final stage's own). */
  args: Map<string, string | undefined>;
}

/** The final stage of a Dockerfile: the steps whose rows end the image's history. */
export function finalStage(content: string): FinalStage {
  const dockerfile = DockerfileParser.parse(content);
  const instructions = dockerfile.getInstructions();
  let start = 0;
  instructions.forEach((inst, i) => {
    if (inst.getKeyword() === 'FROM') start = i + 1;
  });
  const args = argDefaults(dockerfile.getInitialARGs());
  const fromArgs = start > 0 ? instructions[start - 1].getArgumentsContent() : null;
  const from = fromArgs ? substitute(fromArgs.split(/\s+/).find((t) => !t.startsWith('--')) ?? '', args).value : undefined;
  const steps: DockerfileStep[] = [];
  for (const inst of instructions.slice(start)) {
    const keyword = inst.getKeyword();
    if (keyword === 'ARG') for (const [k, v] of argDefaults([inst as Arg])) if (v !== undefined || !args.has(k)) args.set(k, v);
    steps.push({ keyword, range: inst.getRange(), argsRange: inst.getArgumentsRange() ?? inst.getRange(), args: inst.getArgumentsContent() ?? '' });
  }
  return { from: from || undefined, fromLine: start > 0 ? instructions[start - 1].getRange().start.line : undefined, steps, args };
}

export interface HistoryStep {
  keyword: string;
  /** What follows the keyword, shell noise and BuildKit's suffix removed. */
  text: string;
  /** Build arguments the row names (`|2 A=1 B=2 …`): the values the build used. */
  buildArgs: Map<string, string>;
}

const KEYWORD = /^([A-Z]+)(?:\s+|$)/;
const INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** One `created_by` read as an instruction, whichever builder wrote it. */
export function historyStep(createdBy: string): HistoryStep {
  let s = createdBy.trim().replace(/\s*# buildkit$/, '');
  const buildArgs = new Map<string, string>();
  let run = false;
  if (s.startsWith('RUN ')) {
    run = true;
    s = s.slice(4);
  }
  const prefixed = /^\|(\d+)\s+/.exec(s);
  if (prefixed) {
    s = s.slice(prefixed[0].length);
    for (let n = Number(prefixed[1]); n > 0; n--) {
      const pair = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*/.exec(s);
      if (!pair) break;
      buildArgs.set(pair[1], pair[2]);
      s = s.slice(pair[0].length);
    }
    run = true;
  }
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(s);
  if (nop) s = s.slice(nop[0].length);
  else if (s.startsWith('/bin/sh -c ')) return { keyword: 'RUN', text: execForm(s.slice(11)) ?? s.slice(11), buildArgs };
  const keyword = KEYWORD.exec(s);
  if (!run && keyword && INSTRUCTIONS.has(keyword[1])) return { keyword: keyword[1], text: s.slice(keyword[0].length), buildArgs };
  // The classic builder writes an exec-form RUN as its bare command line.
  return { keyword: 'RUN', text: s, buildArgs };
}

/** `["sh", "-c", "x"]` as the command line the builders write for it (`sh -c x`); undefined if not exec form. */
function execForm(text: string): string | undefined {
  if (!text.trimStart().startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed.join(' ') : undefined;
  } catch {
    return undefined;
  }
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const withoutFlags = (text: string) => text.replace(/^(?:\s*--\S+)+\s*/, '');
const trimSlash = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/** The last argument of a COPY/ADD (JSON form too): the one part every builder writes. */
function destinationOf(args: string): string {
  const rest = withoutFlags(args);
  const json = execForm(rest);
  if (json !== undefined) {
    const parsed = JSON.parse(rest) as string[];
    return parsed[parsed.length - 1] ?? '';
  }
  const words = rest.trim().split(/\s+/);
  return words[words.length - 1] ?? '';
}

/** Instructions that can make a layer; the rest only change the config. */
export const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** Whether a history row is what the file's step builds, with `args` the build's argument values. */
export function sameStep(step: DockerfileStep, row: HistoryStep, args: ReadonlyMap<string, string | undefined>): boolean {
  if (step.keyword !== row.keyword) return false;
  if (step.keyword === 'RUN') {
    const command = withoutFlags(step.args);
    const rowCommand = withoutFlags(row.text);
    return squash(execForm(command) ?? command) === squash(execForm(rowCommand) ?? rowCommand);
  }
  if (step.keyword === 'COPY' || step.keyword === 'ADD' || step.keyword === 'WORKDIR') {
    const raw = step.keyword === 'WORKDIR' ? step.args.trim() : destinationOf(step.args);
    // The classic builder writes `COPY file:<hash> in /dest`; podman keeps the destination as written.
    const written = trimSlash(step.keyword === 'WORKDIR' ? row.text.trim() : (/ in (\S+)\s*$/.exec(row.text)?.[1] ?? destinationOf(row.text)));
    return written === trimSlash(raw) || written === trimSlash(substitute(raw, args).value);
  }
  // Config-only steps make no layer: the same kind of step is enough to keep the alignment in step.
  return true;
}

export interface StepPairing {
  /** Per step of the final stage: the history row (oldest first) it made, or undefined if no row matches it. */
  rowOf: (number | undefined)[];
  /** How many steps that can make a layer found their row. */
  matchedLayerSteps: number;
}

/**
 * Pairs the final stage's steps with history rows (`createdBy`, oldest first). `baseRows`: how many rows the base
 * image has, when it is known (then no step can take one of them); otherwise any leading rows may be the base.
 */
export function pairSteps(stage: FinalStage, createdBy: readonly string[], baseRows = 0): StepPairing {
  const rows = createdBy.map(historyStep);
  const args = new Map(stage.args);
  // Values the build was given (`--build-arg`) are on its RUN rows: they win over the file's defaults.
  for (const row of rows) for (const [k, v] of row.buildArgs) args.set(k, v);
  type Item = { step: number } | { row: number };
  const left: Item[] = stage.steps.map((_, step) => ({ step }));
  const right: Item[] = rows.slice(Math.min(baseRows, rows.length)).map((_, i) => ({ row: i + Math.min(baseRows, rows.length) }));
  const changes = diffArrays<Item>(left, right, {
    comparator: (a, b) => 'step' in a && 'row' in b && sameStep(stage.steps[a.step], rows[b.row], args),
  });
  const rowOf: (number | undefined)[] = new Array<number | undefined>(stage.steps.length).fill(undefined);
  let i = 0;
  let j = 0;
  for (const change of changes) {
    if (change.added) j += change.count;
    else if (change.removed) i += change.count;
    else for (let k = 0; k < change.count; k++) rowOf[i++] = (right[j++] as { row: number }).row;
  }
  const matchedLayerSteps = stage.steps.filter((s, k) => LAYER_KEYWORDS.has(s.keyword) && rowOf[k] !== undefined).length;
  return { rowOf, matchedLayerSteps };
}
