import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { HISTORY_FOLDER_NAME, HISTORY_INDEX_FILE_NAME, HISTORY_VIEW_ID, PANEL_MEMORY_FILE_NAME } from './history/ids';

/*
 * The parts of the history the activation shim (src/extension.ts) needs before the core is loaded. Only vscode
 * and Node built-ins: this is bundled into the activation entry, which must stay light.
 */

/** What the core provides to the History view once it is loaded. Elements are history entry ids. */
export interface HistoryViewBackend {
  readonly provider: vscode.TreeDataProvider<string>;
  /** Called once with the view, for its description (the filter), selection and reveal. */
  attach(view: vscode.TreeView<string>): void;
}

/**
 * The History view, registered at activation with a provider that loads the core the first time VS Code asks
 * for the view's items (the user opened the AnimateDiff container), and forwards to the core's provider after.
 */
export class DeferredHistoryView implements vscode.Disposable {
  readonly view: vscode.TreeView<string>;
  private backend: HistoryViewBackend | undefined;
  private forwarding: vscode.Disposable | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<string | string[] | undefined | void>();

  /** `loadCore` must load the core, which calls {@link connect}. */
  constructor(private readonly loadCore: () => void) {
    const provider: vscode.TreeDataProvider<string> = {
      onDidChangeTreeData: this.changeEmitter.event,
      getChildren: (element) => this.provider().getChildren(element),
      getTreeItem: (element) => this.provider().getTreeItem(element),
      getParent: (element) => this.provider().getParent?.(element),
    };
    this.view = vscode.window.createTreeView(HISTORY_VIEW_ID, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: false });
  }

  connect(backend: HistoryViewBackend): void {
    if (this.backend) {
      return;
    }
    this.backend = backend;
    this.forwarding = backend.provider.onDidChangeTreeData?.((change) => this.changeEmitter.fire(change ?? undefined));
    backend.attach(this.view);
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changeEmitter.dispose();
    this.view.dispose();
  }

  private provider(): vscode.TreeDataProvider<string> {
    if (!this.backend) {
      this.loadCore();
    }
    if (!this.backend) {
      throw new Error('The AnimateDiff history is not available.');
    }
    return this.backend.provider;
  }
}

/** The history folder under the extension's global storage. */
export function historyFolder(globalStorageUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(globalStorageUri, HISTORY_FOLDER_NAME);
}

/**
 * Whether the history index names a job that was still submitting, queued or running: a window reload
 * interrupted it and the core should load to resume it. A text search, not a parse: cheap at start-up, and a
 * false positive only loads the core, which then knows better.
 */
export async function historyHasUnfinishedJobs(globalStorageUri: vscode.Uri): Promise<boolean> {
  if (globalStorageUri.scheme !== 'file') {
    return false;
  }
  try {
    const text = await fsp.readFile(path.join(historyFolder(globalStorageUri).fsPath, HISTORY_INDEX_FILE_NAME), 'utf8');
    return /"status":"(submitting|queued|running)"/.test(text);
  } catch {
    return false;
  }
}

/**
 * Whether this workspace's video panel was open when its window last went away: the core loads to open it again
 * if VS Code did not restore it. Only for a workspace (an empty window has no storage of its own).
 */
export async function panelWasOpen(workspaceStorageUri: vscode.Uri | undefined): Promise<boolean> {
  if (workspaceStorageUri?.scheme !== 'file') {
    return false;
  }
  try {
    return /"open":true/.test(await fsp.readFile(path.join(workspaceStorageUri.fsPath, PANEL_MEMORY_FILE_NAME), 'utf8'));
  } catch {
    return false;
  }
}
