// The extension host's test entry (the @vscode/test-electron contract: VS Code loads this file and awaits run()).
// Mocha (bdd) over every compiled *.test.js next to this file, with the counting reporter. The host's console
// does not reach the test runner's stdout, so the reporter's output also goes to $IMAGE_LAYERS_SUITE_LOG, which
// scripts/run-suite.mjs tails.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';

type Log = (...args: unknown[]) => void;

// Copies console output, and mocha's reporters' output (Base.consoleLog, captured when mocha loaded), to a file.
function mirrorConsoleTo(file: string): () => void {
  const fd = fs.openSync(file, 'a');
  const base = Mocha.reporters.Base as unknown as { consoleLog: Log };
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const originalBase = base.consoleLog;
  const tee = (orig: Log): Log => (...args) => {
    orig(...args);
    fs.writeSync(fd, util.format(...args) + '\n');
  };
  console.log = tee(original.log);
  console.info = tee(original.info);
  console.warn = tee(original.warn);
  console.error = tee(original.error);
  base.consoleLog = tee(originalBase);
  return () => {
    Object.assign(console, original);
    base.consoleLog = originalBase;
    fs.closeSync(fd);
  };
}

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

export function run(): Promise<void> {
  const logFile = process.env.IMAGE_LAYERS_SUITE_LOG;
  const restore = logFile ? mirrorConsoleTo(logFile) : () => undefined;
  const root = path.resolve(__dirname, '..', '..', '..');
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.IMAGE_LAYERS_SUITE_TIMEOUT ?? 20_000),
    reporter: path.join(root, 'test', 'counting-reporter.js'),
    grep: process.env.IMAGE_LAYERS_SUITE_GREP || undefined,
  });
  for (const file of findTests(__dirname)) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        restore();
        if (failures > 0) reject(new Error(`${failures} test${failures === 1 ? '' : 's'} failed`));
        else resolve();
      });
    } catch (e) {
      restore();
      reject(e);
    }
  });
}
