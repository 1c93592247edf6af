import * as vscode from 'vscode';
import type { GenerationRecord } from '../model/generation';
import { isExportChoice } from '../panel/exportText';
import type { VideoExporter } from '../panel/videoExport';
import type { Interaction } from '../ui/interaction';
import type { Command } from '../util/commandManager';

export interface ExportCommandDeps {
  find(id: string): GenerationRecord | undefined;
  /** The generation the video panel shows on its own, if any. */
  visibleGenerationId(): string | undefined;
  /** Loads the exporter (its own bundle) at first use. */
  exporter(): VideoExporter;
}

/**
 * "Export Video as GIF or WebM…" (`file`: `(generationId?, choice?)`, asking what is not given) and "Insert Video as
 * Markdown" (`(generationId?)`): of the given generation, else the one the panel shows.
 */
export class ExportCommand implements Command {
  readonly id: string;

  constructor(private readonly what: 'file' | 'markdown', private readonly deps: ExportCommandDeps, private readonly interaction: Interaction) {
    this.id = what === 'file' ? 'animateDiff.exportVideo' : 'animateDiff.insertMarkdown';
  }

  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const [id, choice] = args;
    const shownId = typeof id === 'string' ? id : this.deps.visibleGenerationId();
    const record = shownId ? this.deps.find(shownId) : undefined;
    if (!record) {
      void this.interaction.info(vscode.l10n.t('Show a generated video in the AnimateDiff panel first, or right-click one in the AnimateDiff History.'));
      return undefined;
    }
    const exporter = this.deps.exporter();
    return this.what === 'file' ? exporter.exportVideo(record, isExportChoice(choice) ? choice : undefined) : exporter.insertAsMarkdown(record);
  }
}
