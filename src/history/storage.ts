import * as vscode from 'vscode';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import { messageOf } from '../util/text';
import { HISTORY_FOLDER_NAME } from './ids';
import { HistoryStore, type HistoryChange } from './store/historyStore';
import type { IndexRecovery } from './store/legacyIndex';

export interface HistoryStorageOptions {
  globalStorageUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  interaction: Interaction;
}

/** The history folder under the extension's global storage. */
export function historyFolder(globalStorageUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(globalStorageUri, HISTORY_FOLDER_NAME);
}

/**
 * Opens the history store in the extension's global storage and hands it to the rest of the history. Tells the
 * user when its index had to be repaired or set aside, or when it cannot be written (once); generations still work
 * without it, unrecorded.
 */
export class HistoryStorage extends Disposable {
  readonly folder: vscode.Uri;
  private store: HistoryStore | undefined;
  private opening: Promise<HistoryStore | undefined>;
  private storeSubscriptions: Array<{ dispose(): void }> = [];
  private writeProblemReported = false;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<HistoryChange>());
  /** What changed in the history (in this window or, once re-read, in another). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly openEmitter = this._register(new vscode.EventEmitter<HistoryStore>());
  /** The history was opened (at start, or again by {@link reopen}). */
  readonly onDidOpen = this.openEmitter.event;

  constructor(private readonly options: HistoryStorageOptions) {
    super();
    this.folder = historyFolder(options.globalStorageUri);
    this._register({ dispose: () => this.closeStore() });
    // After the activation that creates this has returned: its first read need not hold up the window's start.
    this.opening = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.open());
  }

  /** The opened history; undefined when it could not be opened. */
  ready(): Promise<HistoryStore | undefined> {
    return this.opening;
  }

  /** The history if it is open by now. */
  current(): HistoryStore | undefined {
    return this.store;
  }

  /** Reads the history from disk again as a window start does (a corrupt index is set aside and reported). */
  async reopen(): Promise<{ store: HistoryStore | undefined; recovery: IndexRecovery | undefined }> {
    await this.store?.flush().catch(() => undefined);
    this.closeStore();
    let recovery: IndexRecovery | undefined;
    this.opening = this.open((found) => {
      recovery = found;
    });
    return { store: await this.opening, recovery };
  }

  /** A write of the history failed: logged every time, told to the user once. */
  reportWriteProblem(error: unknown): void {
    this.options.log.error(`Could not save the generation history: ${messageOf(error)}`);
    if (!this.writeProblemReported) {
      this.writeProblemReported = true;
      void this.options.interaction.warning(
        vscode.l10n.t('Could not save the AnimateDiff history ({0}). Generations still work; the history tries again with the next change.', messageOf(error)),
        {},
      );
    }
  }

  private async open(onRecovery?: (recovery: IndexRecovery) => void): Promise<HistoryStore | undefined> {
    const { log, interaction } = this.options;
    if (this.folder.scheme !== 'file') {
      log.warn(`The generation history needs a local folder; the extension's storage is ${this.folder.toString()}. Generations are not kept.`);
      return undefined;
    }
    try {
      const { store, recovery } = await HistoryStore.open(this.folder.fsPath);
      if (this.isDisposed) {
        store.dispose();
        return undefined;
      }
      this.store = store;
      this.storeSubscriptions = [
        store.onDidChange((change) => {
          if (change.kind === 'recovered') {
            this.reportRecovery(change.recovery);
          }
          this.changeEmitter.fire(change);
        }),
        store.onDidFailToWrite((error) => this.reportWriteProblem(error)),
      ];
      log.info(`Generation history: ${store.size} entries in ${this.folder.fsPath}`);
      if (recovery) {
        onRecovery?.(recovery);
        this.reportRecovery(recovery);
      }
      this.openEmitter.fire(store);
      return store;
    } catch (error) {
      log.error(`Could not open the generation history in ${this.folder.fsPath}: ${messageOf(error)}`);
      const showLog = vscode.l10n.t('Show Log');
      void interaction.error(vscode.l10n.t('Could not open the AnimateDiff history ({0}). Generations still work, but they are not kept.', messageOf(error)), showLog)
        .then((choice) => {
          if (choice === showLog) {
            log.show(true);
          }
        });
      return undefined;
    }
  }

  private closeStore(): void {
    for (const subscription of this.storeSubscriptions.splice(0)) {
      subscription.dispose();
    }
    this.store?.dispose();
    this.store = undefined;
  }

  private reportRecovery(recovery: IndexRecovery): void {
    const { log, interaction } = this.options;
    log.warn(`${recovery.message} (${recovery.movedTo})`);
    // Revealing in the OS file manager only works where VS Code runs on this machine; elsewhere open the file.
    const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    const action = local ? vscode.l10n.t('Reveal Moved File') : vscode.l10n.t('Open Moved File');
    Promise.resolve(interaction.warning(recovery.message, {}, action)).then(async (choice) => {
      if (choice !== action) {
        return;
      }
      const moved = vscode.Uri.file(recovery.movedTo);
      if (local) {
        await vscode.commands.executeCommand('revealFileInOS', moved);
      } else {
        await vscode.window.showTextDocument(moved, { preview: true });
      }
    }).catch((error: unknown) => log.warn(`Could not show the moved index: ${error instanceof Error ? error.message : String(error)}`));
  }
}
