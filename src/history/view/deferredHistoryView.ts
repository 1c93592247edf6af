import * as vscode from 'vscode';
import { HISTORY_VIEW_ID } from '../ids';

/*
 * Registered by activation (src/extension.ts), before the core is loaded: only vscode and what ids.ts declares.
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
      resolveTreeItem: (item, element, token) => this.provider().resolveTreeItem?.(item, element, token) ?? item,
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
      throw new Error(vscode.l10n.t('The AnimateDiff history is not available.'));
    }
    return this.backend.provider;
  }
}

