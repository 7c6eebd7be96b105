// The edit a reviewer asks for when a later RUN removes what an earlier RUN wrote: the `rm` moves into the step
// that wrote the files, so their bytes never reach a layer. Only offered where the shell text is plain enough to
// be cut at its `&&`s with certainty (no quotes, substitutions, pipes, `;`, heredocs), the `rm` names absolute
// paths, and nothing that runs before it (a step in between, its RUN's earlier parts) reads them.
import type { DockerfileStep } from './dockerfile-steps';
import type { Range } from './dockerfile-refs';

export interface TextEdit {
  range: Range;
  newText: string;
}

/** Shell text that splits at `&&` exactly as the shell would: nothing that quotes, nests or chains otherwise. */
const UNSAFE = /['"`;|#(){}\\&]|<</;
const RM_FLAGS = /^-(?:[rRfv]+|-recursive|-force)$/;
const PLAIN_PATH = /^\/[A-Za-z0-9_./*+@%=:,-]*$/;

/** The `&&` parts of a shell-form RUN, or undefined when it cannot be cut safely. */
function andParts(args: string): string[] | undefined {
  if (/^\s*(?:--|\[)/.test(args) || UNSAFE.test(args.replace(/&&/g, ' '))) return undefined;
  const parts = args.split('&&').map((p) => p.trim());
  return parts.every((p) => p.length > 0) ? parts : undefined;
}

/** The paths of a plain `rm`, or undefined for anything else. */
function rmPaths(part: string): string[] | undefined {
  const words = part.split(/\s+/);
  if (words[0] !== 'rm') return undefined;
  const paths = words.slice(1).filter((w) => !RM_FLAGS.test(w));
  if (paths.length === 0 || !paths.every((p) => PLAIN_PATH.test(p) && !p.includes('..'))) return undefined;
  return paths;
}

/** Whether `rm` of `arg` (absolute, maybe a glob) takes away `hidden` (relative, as in a layer's tar). */
export function removes(arg: string, hidden: string): boolean {
  const pattern = new RegExp(`^${arg.replace(/^\/+/, '').replace(/\/+$/, '').replace(/[.+@%=:,-]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  const names = hidden.split('/');
  for (let n = 1; n <= names.length; n++) if (pattern.test(names.slice(0, n).join('/'))) return true;
  return false;
}

/**
 * The edits that move the `rm` parts of `remover` that take away `hidden` into `writer`, or undefined where that
 * cannot be done safely. `between`: the steps in between, which must not mention the removed paths.
 */
export function moveRemoval(writer: DockerfileStep, remover: DockerfileStep, hidden: readonly string[], between: readonly DockerfileStep[]): TextEdit[] | undefined {
  if (writer.keyword !== 'RUN' || remover.keyword !== 'RUN') return undefined;
  const writerParts = andParts(writer.args);
  const parts = andParts(remover.args);
  if (!writerParts || !parts) return undefined;
  const moved = parts.filter((p) => rmPaths(p)?.some((arg) => hidden.some((h) => removes(arg, h))));
  if (moved.length === 0) return undefined;
  const names = moved.flatMap((p) => rmPaths(p) ?? []).map((arg) => arg.replace(/\/\*$/, '').split('/').pop() ?? arg);
  const kept = parts.filter((p) => !moved.includes(p));
  // What runs between the write and the rm (the steps in between, its RUN's parts before it) may read the files:
  // by name, or apt's lists by any apt command.
  const readers = [...between.map((s) => s.args), ...parts.slice(0, parts.indexOf(moved[0]))];
  const apt = moved.some((p) => p.includes('/var/lib/apt'));
  if (readers.some((text) => names.some((n) => n && text.includes(n)) || (apt && /\bapt(?:-get)?\b/.test(text)))) return undefined;
  const append: TextEdit = { range: { start: writer.argsRange.end, end: writer.argsRange.end }, newText: ` && ${moved.join(' && ')}` };
  // A RUN left with nothing to do goes, line and all; otherwise only its `rm` parts do.
  const trim: TextEdit = kept.length
    ? { range: remover.argsRange, newText: kept.join(' && ') }
    : { range: { start: { line: remover.range.start.line, character: 0 }, end: { line: remover.range.end.line + 1, character: 0 } }, newText: '' };
  return [append, trim];
}
