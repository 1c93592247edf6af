import * as vscode from 'vscode';
import type { HistoryEntry } from '../store/entry';
import type { HistoryStore } from '../store/historyStore';
import { Disposable } from '../../util/dispose';
import { logDocumentText, promptOf } from './format';
import { HISTORY_LOG_SCHEME } from '../ids';

function slug(text: string): string {
  const words = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return words.slice(0, 40).replace(/-+$/, '') || 'generation';
}

/**
 * One job's log as a read-only document (`animatediff-history-log:/<id>/<prompt>.log`): the request as sent,
 * the outcome and fal's last log lines. It follows the entry while it changes (a running job's new lines).
 */
export class HistoryLogDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly current: () => HistoryStore | undefined) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(HISTORY_LOG_SCHEME, this));
  }

  uriOf(entry: HistoryEntry): vscode.Uri {
    return vscode.Uri.from({ scheme: HISTORY_LOG_SCHEME, path: `/${entry.id}/${slug(promptOf(entry))}.log` });
  }

  async open(entry: HistoryEntry): Promise<vscode.TextEditor> {
    let document = await vscode.workspace.openTextDocument(this.uriOf(entry));
    if (document.languageId !== 'log') {
      document = await vscode.languages.setTextDocumentLanguage(document, 'log');
    }
    return vscode.window.showTextDocument(document, { preview: true });
  }

  /** Entries changed: refresh the open documents that show them. */
  entriesChanged(ids: readonly string[] | 'all'): void {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme === HISTORY_LOG_SCHEME && !document.isClosed && (ids === 'all' || ids.includes(this.idOf(document.uri)))) {
        this.changeEmitter.fire(document.uri);
      }
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const store = this.current();
    const entry = store?.get(this.idOf(uri));
    if (!store || !entry) {
      return `${vscode.l10n.t('This generation is no longer in the AnimateDiff history.')}\n`;
    }
    return logDocumentText(entry, store.videoPath(entry));
  }

  private idOf(uri: vscode.Uri): string {
    return uri.path.split('/')[1] ?? '';
  }
}
