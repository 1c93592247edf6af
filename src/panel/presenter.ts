import * as vscode from 'vscode';
import type { GenerationRecord } from '../model/generation';
import { toGenerationView } from './generationView';
import type { ShowOptions, VideoPanelManager } from './videoPanel';
import type { GridItemInput } from './panelContent';

/** Where copies of finished generations' videos are on this machine (the history keeps them). */
export interface VideoCopies {
  /** Keeps a finished generation findable by id (and the copy saved beside its parameter file, if any). */
  remember(record: GenerationRecord, savedCopy?: vscode.Uri): void;
  /** The history's local copy, when it is on disk. */
  localCopy(id: string): vscode.Uri | undefined;
  /** A copy saved beside a parameter file in this window. */
  savedCopy(id: string): vscode.Uri | undefined;
}

/**
 * The one rule for the video the panel plays: the history's local copy, else a copy saved inside the workspace
 * (the panel may load local files only from there), else fal's URL.
 */
export function chooseVideo(record: GenerationRecord, copies: VideoCopies): vscode.Uri {
  const saved = copies.savedCopy(record.id);
  return copies.localCopy(record.id)
    ?? (saved && vscode.workspace.getWorkspaceFolder(saved) ? saved : undefined)
    ?? vscode.Uri.parse(record.videoUrl, true);
}

/** Shows finished generations in the video panel: every "show this record" goes through here. */
export class GenerationPresenter {
  constructor(private readonly panels: VideoPanelManager, private readonly copies: VideoCopies) {}

  videoFor(record: GenerationRecord): vscode.Uri {
    return chooseVideo(record, this.copies);
  }

  show(record: GenerationRecord, options?: ShowOptions): void {
    this.copies.remember(record);
    this.panels.showGeneration(toGenerationView(record), this.videoFor(record), options);
  }

  /** Finished generations side by side in the grid, where their differences show and they play in step. */
  compare(records: readonly GenerationRecord[], options?: ShowOptions): void {
    records.forEach((record) => this.copies.remember(record));
    this.panels.showGrid(vscode.l10n.t('Compare: {0} videos', records.length), records.map((record) => this.gridItem(record)), options);
  }

  /** A finished generation as a tile of a batch grid. */
  gridItem(record: GenerationRecord): GridItemInput {
    return { state: 'done', view: toGenerationView(record), video: this.videoFor(record) };
  }
}
