// The "Image Layers" output channel: VS Code's log channel (levels, timestamps, "Set Log Level…") for what the
// backends write (backend/log.ts) and for every error a view or a notification shows, with its detail.
import * as vscode from 'vscode';
import { BackendError, userMessage } from '../backend/backend';
import { describeError, setBackendLog } from '../backend/log';

let channel: vscode.LogOutputChannel | undefined;

/** Opens the channel and hands it to the backends; disposing closes both. */
export function openLog(): vscode.Disposable {
  const log = vscode.window.createOutputChannel('Image Layers', { log: true });
  channel = log;
  const restore = setBackendLog(log);
  return {
    dispose: () => {
      restore();
      if (channel === log) channel = undefined;
      log.dispose();
    },
  };
}

/** Writes a shown error, sentence and detail; a cancel is no error. */
export function logError(e: unknown, where?: string): void {
  if (BackendError.is(e, 'cancelled')) return;
  channel?.error(where ? `${where}: ${describeError(e)}` : describeError(e));
}

/** The sentence a view shows for a failure, written to the log with its detail on the way. */
export function loggedMessage(e: unknown, where: string): string {
  logError(e, where);
  return userMessage(e);
}

export function showLog(): void {
  channel?.show(true);
}

/** An error notification with a button to the log, which holds what the sentence leaves out. */
export async function showErrorWithLog(message: string): Promise<void> {
  const showLogLabel = vscode.l10n.t('Show Log');
  if ((await vscode.window.showErrorMessage(message, showLogLabel)) === showLogLabel) showLog();
}
