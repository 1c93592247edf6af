import * as vscode from 'vscode';
import type { VideoPanelManager } from '../../panel/videoPanel';
import { webviewStateSchema, type WebviewState } from '../../shared/protocol';
import { Disposable } from '../../util/dispose';

const FILE_NAME = 'videoPanel.json';

/**
 * Remembers, on the extension host's disk, which generation this workspace's video panel shows. The panel keeps
 * that in its webview state, which VS Code stores for a reload; a web or remote VS Code can lose the latest
 * state when the page reloads (its browser storage is written as the page goes away). A restored panel without
 * a state then shows what this remembers instead of an empty notice.
 */
export class PanelMemory extends Disposable {
  private remembered: string | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly folder: vscode.Uri,
    panels: VideoPanelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(panels.onDidReceiveMessage((message) => {
      if (message.type === 'ready' || message.type === 'videoPlaying') {
        this.remember(panels.visibleGenerationId);
      }
    }));
  }

  /** The state to restore a panel with: VS Code's when it has one, else the generation remembered here. */
  async stateForRestore(state: unknown): Promise<unknown> {
    const parsed = webviewStateSchema.safeParse(state);
    if (parsed.success && (parsed.data.generationId !== null || parsed.data.grid !== undefined)) {
      return state;
    }
    const generationId = await this.read();
    if (!generationId) {
      return state;
    }
    this.log.info(`The restored video panel had no saved state; showing the generation it showed last (${generationId}).`);
    const restored: WebviewState = { generationId };
    return restored;
  }

  private remember(generationId: string | undefined): void {
    if (!generationId || generationId === this.remembered) {
      return;
    }
    this.remembered = generationId;
    const file = vscode.Uri.joinPath(this.folder, FILE_NAME);
    const text = new TextEncoder().encode(`${JSON.stringify({ generationId })}\n`);
    this.writing = this.writing
      .then(async () => {
        await vscode.workspace.fs.createDirectory(this.folder);
        await vscode.workspace.fs.writeFile(file, text);
      })
      .catch((error: unknown) => this.log.warn(`Could not remember what the video panel shows: ${error instanceof Error ? error.message : String(error)}`));
  }

  private async read(): Promise<string | undefined> {
    await this.writing;
    try {
      const json: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.folder, FILE_NAME))));
      const generationId = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).generationId : undefined;
      return typeof generationId === 'string' ? generationId : undefined;
    } catch {
      return undefined;
    }
  }
}
