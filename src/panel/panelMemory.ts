import * as vscode from 'vscode';
import * as z from 'zod/mini';
import type { VideoPanelManager } from './videoPanel';
import { webviewStateSchema, type WebviewState } from '../shared/fromWebview';
import { Disposable } from '../util/dispose';
import { PANEL_MEMORY_FILE_NAME, VIDEO_PANEL_VIEW_TYPE } from './ids';

/**
 * A closed panel is recorded as closed only after this long. When the window reloads or closes, the extension
 * host is stopped within it (and the timer with it), so a panel that goes away with its window stays "open".
 */
const CLOSE_SETTLE_MS = 2_000;

const memorySchema = z.object({
  open: z._default(z.boolean(), false),
  state: z.optional(webviewStateSchema),
  /** The first format: only the generation shown. */
  generationId: z.optional(z.string()),
});

interface Memory {
  readonly open: boolean;
  readonly state: WebviewState | undefined;
}

/**
 * Remembers, on the extension host's disk, whether this workspace's video panel is open and what it shows.
 * VS Code keeps both itself (its editor layout, and the webview's state) but writes them lazily: a web or
 * remote VS Code whose page is reloaded can lose them. A restored panel without a state then shows what this
 * remembers, and a panel VS Code forgot altogether is opened again.
 */
export class PanelMemory extends Disposable {
  private remembered: string | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closing: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly folder: vscode.Uri,
    private readonly panels: VideoPanelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(panels.onDidReceiveMessage((message) => {
      // Also when its video fails to play: the panel still shows that generation (and says why).
      if (message.type === 'ready' || message.type === 'videoPlaying' || message.type === 'videoError') {
        this.cancelClosing();
        const state = panels.restorableState;
        if (state) {
          this.write({ open: true, state });
        }
      }
    }));
    this._register(panels.onDidClose(() => {
      this.cancelClosing();
      this.closing = setTimeout(() => {
        this.closing = undefined;
        this.log.info('The video panel was closed; it stays closed after a reload.');
        this.write({ open: false, state: undefined });
      }, CLOSE_SETTLE_MS);
    }));
    this._register({ dispose: () => this.cancelClosing() });
  }

  /** Where the memory is kept (this workspace's storage). */
  get file(): vscode.Uri {
    return vscode.Uri.joinPath(this.folder, PANEL_MEMORY_FILE_NAME);
  }

  /**
   * The state to restore a panel with. What this remembers of an open panel wins: it is written as the panel
   * changes, while VS Code's copy can be older after a browser reload. VS Code's state serves when this has none.
   */
  async stateForRestore(state: unknown): Promise<unknown> {
    const memory = await this.read();
    const parsed = webviewStateSchema.safeParse(state);
    const saved = parsed.success && (parsed.data.generationId !== null || parsed.data.grid !== undefined) ? parsed.data : undefined;
    if (memory?.open && memory.state) {
      if (!saved) {
        this.log.info(`The restored video panel had no saved state; showing what it showed last (${describe(memory.state)}).`);
      } else if (JSON.stringify(saved) !== JSON.stringify(memory.state)) {
        this.log.info(`The restored video panel's saved state is older than what it showed last; showing ${describe(memory.state)}.`);
      }
      return memory.state;
    }
    return state;
  }

  /**
   * Opens the panel again when it was open as the window went away and VS Code did not bring it back (it lists
   * no tab of it, not even one it restores later). Returns whether it did.
   */
  async reopenIfLost(): Promise<boolean> {
    try {
      const memory = await this.read();
      if (!memory?.open || !memory.state || this.panels.isOpen || hasPanelTab()) {
        return false;
      }
      const reopened = await this.panels.reopen(memory.state);
      this.log.info(reopened
        ? `The video panel was open when the window went away and VS Code did not restore it; opened it again (${describe(memory.state)}).`
        : `The video panel was open when the window went away; what it showed (${describe(memory.state)}) is no longer in the history or a panel is open now.`);
      return reopened;
    } catch (error) {
      this.log.warn(`Could not open the video panel again: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  private cancelClosing(): void {
    if (this.closing !== undefined) {
      clearTimeout(this.closing);
      this.closing = undefined;
    }
  }

  private write(memory: Memory): void {
    const text = `${JSON.stringify(memory)}\n`;
    if (text === this.remembered) {
      return;
    }
    this.remembered = text;
    const file = this.file;
    this.writing = this.writing
      .then(async () => {
        await vscode.workspace.fs.createDirectory(this.folder);
        await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
      })
      .catch((error: unknown) => this.log.warn(`Could not remember what the video panel shows: ${error instanceof Error ? error.message : String(error)}`));
  }

  private async read(): Promise<Memory | undefined> {
    await this.writing;
    try {
      const bytes = await vscode.workspace.fs.readFile(this.file);
      const parsed = memorySchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (!parsed.success) {
        return undefined;
      }
      const { open, state, generationId } = parsed.data;
      return { open, state: state ?? (generationId ? { generationId } : undefined) };
    } catch {
      return undefined;
    }
  }
}

/** Whether the window has a tab of the video panel, restored or still waiting to be restored. */
function hasPanelTab(): boolean {
  // The tab's view type carries a prefix VS Code adds ("mainThreadWebview-").
  return vscode.window.tabGroups.all.some((group) => group.tabs.some(
    (tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(VIDEO_PANEL_VIEW_TYPE)));
}

function describe(state: WebviewState): string {
  return state.grid ? `a grid of ${state.grid.generationIds.length}` : `generation ${state.generationId ?? 'none'}`;
}
