import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { writeBytesFile } from '../files/atomicFile';
import type { VideoPanelManager } from '../panel/videoPanel';
import { Disposable } from '../util/dispose';
import { messageOf } from '../util/text';
import type { HistoryStore } from './store/historyStore';

/** Poster frames are this wide: the tooltip shows them at this size, the tree scales them down to an icon. */
export const POSTER_WIDTH = 160;

/**
 * Poster frames of the History's local copies: when the panel plays a finished generation on its own, from its local
 * copy, and it has no poster yet, it draws a frame of it to a PNG, which is written beside the copy (the store removes it with it).
 */
export class HistoryThumbnails extends Disposable {
  private readonly making = new Set<string>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<string>());
  /** A poster was written for this generation. */
  readonly onDidMakePoster = this.changeEmitter.event;

  constructor(
    private readonly store: () => HistoryStore | undefined,
    private readonly panels: VideoPanelManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(panels.onDidReceiveMessage((message) => {
      if (message.type === 'videoPlaying') {
        void this.make(message.id);
      }
    }));
  }

  /** The poster of an entry's local copy, if it has one. */
  posterOf(id: string): vscode.Uri | undefined {
    const file = this.posterPath(id);
    return file && existsSync(file) ? vscode.Uri.file(file) : undefined;
  }

  private posterPath(id: string): string | undefined {
    const store = this.store();
    const entry = store?.get(id);
    return entry?.status === 'done' ? store?.posterPath(entry) : undefined;
  }

  private async make(id: string): Promise<void> {
    const file = this.posterPath(id);
    const video = file?.slice(0, file.lastIndexOf('.poster.'));
    // Only from the local copy itself (the poster then shows what is on disk), and only for a video shown alone: a
    // batch grid already decodes several at once.
    const shown = this.panels.visibleGenerationId === id ? this.panels.shownVideo(id) : undefined;
    if (!file || !video || this.making.has(id) || existsSync(file) || !existsSync(video) || shown?.fsPath !== video) {
      return;
    }
    this.making.add(id);
    try {
      const poster = await this.panels.encode(id, { format: 'png', width: POSTER_WIDTH, fps: 1, loop: false });
      // Deleted or pruned meanwhile: no poster for a copy that is gone.
      if (existsSync(video)) {
        await writeBytesFile(file, poster.bytes, { replace: true });
        this.changeEmitter.fire(id);
      }
    } catch (error) {
      this.log.info(`No thumbnail for generation ${id} this time: ${messageOf(error)}`);
    } finally {
      this.making.delete(id);
    }
  }
}
