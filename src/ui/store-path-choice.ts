// `imageLayers.storePath` may come from a workspace's settings (scope machine-overridable), and a cloned
// repository can ship those settings together with a store folder (journal included) of its own making. So a
// workspace's value is used only once the user agreed to it for that workspace; a value the user set
// themselves (user settings, the same path) needs no question.

/** The parts of `WorkspaceConfiguration.inspect('storePath')` that matter here. */
export interface StorePathSources {
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

/** The user's answer for a workspace, kept in its workspace state. */
export interface StorePathAnswer {
  path: string;
  allowed: boolean;
}

export type StorePathChoice =
  /** Use this path (empty: the extension's own storage). */
  | { use: string }
  /** Use `meanwhile`, and ask whether to switch to the workspace's `asked`. */
  | { use: string; ask: string };

export function chooseStorePath(sources: StorePathSources | undefined, answer: StorePathAnswer | undefined): StorePathChoice {
  const user = sources?.globalValue ?? '';
  const workspace = sources?.workspaceFolderValue || sources?.workspaceValue;
  if (!workspace || workspace === user) return { use: user };
  if (answer?.path === workspace) return { use: answer.allowed ? workspace : user };
  return { use: user, ask: workspace };
}
