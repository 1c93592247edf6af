import * as vscode from 'vscode';
import { createReadStream } from 'node:fs';
import { writeStreamToFile } from '../files/atomicFile';
import { downloadVideo, type DownloadLimits } from '../files/videoDownload';
import type { FromWebviewMessage } from '../shared/protocol';
import type { GenerationService } from '../generation/generationService';
import type { GenerationRecord } from '../model/generation';
import type { Interaction } from '../ui/interaction';
import { copyRequestAsCode, reproducingRequest } from './copyAsCode';
import type { VideoExporter } from './videoExport';

/** Where finished generations are looked up by id (the panel's actions, restore). */
export interface GenerationLookup {
  get(id: string): GenerationRecord | undefined;
  /** The video to show: a local copy when there is one, else fal's URL. */
  videoUri(record: GenerationRecord): vscode.Uri;
}

/** What the panel's buttons do. */
export class ResultActions {
  constructor(
    private readonly lookup: GenerationLookup,
    private readonly service: GenerationService,
    private readonly interaction: Interaction,
    private readonly log: vscode.LogOutputChannel,
    private readonly saveParameters: (record: GenerationRecord) => Promise<void>,
    /** The limits of downloads (the largest video, from the settings). */
    private readonly downloadLimits: () => Partial<DownloadLimits> = () => ({}),
    /** Export GIF or WebM… and Insert as Markdown (made after the panel, which they encode in). */
    private readonly exporter: () => VideoExporter | undefined = () => undefined,
  ) {}

  async handle(message: FromWebviewMessage): Promise<void> {
    if (message.type === 'ready' || message.type === 'videoPlaying') {
      return;
    }
    if (message.type === 'videoError') {
      this.log.warn(`The panel could not play generation ${message.id}: ${message.message} (code ${message.code ?? 'none'})`);
      return;
    }
    const record = this.lookup.get(message.id);
    if (!record) {
      void this.interaction.warning(vscode.l10n.t('That generation is no longer available.'), {});
      return;
    }
    switch (message.type) {
      case 'saveVideo':
        await this.saveVideo(record);
        break;
      case 'copySeed':
        if (record.seed === null) {
          void this.interaction.warning(vscode.l10n.t('fal did not report a seed for this video.'), {});
          return;
        }
        await vscode.env.clipboard.writeText(String(record.seed));
        void this.interaction.info(vscode.l10n.t('Seed {0} copied.', record.seed));
        break;
      case 'rerunWithSeed': {
        const input = { ...record.input };
        if (record.seed !== null) {
          input.seed = record.seed;
        }
        await this.service.generate({ endpoint: record.endpoint, input, source: { kind: 'rerun', file: record.source.file } });
        break;
      }
      case 'saveParameters':
        await this.saveParameters(record);
        break;
      case 'copyAsCode':
        await copyRequestAsCode(reproducingRequest(record.endpoint, record.input, record.seed), this.interaction);
        break;
      case 'exportVideo':
        await this.exporter()?.exportVideo(record);
        break;
      case 'insertMarkdown':
        await this.exporter()?.insertAsMarkdown(record);
        break;
      case 'openGeneration':
        break;
    }
  }

  async saveVideo(record: GenerationRecord): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `animatediff-${record.seed ?? record.id.slice(0, 8)}.mp4`;
    const target = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save Video'),
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { [vscode.l10n.t('MP4 video')]: ['mp4'] },
    });
    if (!target) {
      return undefined;
    }
    return this.writeVideoTo(record, target);
  }

  async writeVideoTo(record: GenerationRecord, target: vscode.Uri): Promise<vscode.Uri | undefined> {
    try {
      const source = this.lookup.videoUri(record);
      const remote = source.scheme === 'http' || source.scheme === 'https';
      if (target.scheme === 'file') {
        // Streamed, never held whole in memory (the save dialog has asked about replacing an existing file).
        if (remote) {
          await downloadVideo(source.toString(true), target.fsPath, { replace: true, limits: this.downloadLimits() });
        } else {
          await writeStreamToFile(createReadStream(source.fsPath), target.fsPath, { replace: true });
        }
      } else {
        const bytes = remote
          ? new Uint8Array(await (await fetchOk(source.toString(true))).arrayBuffer())
          : await vscode.workspace.fs.readFile(source);
        await vscode.workspace.fs.writeFile(target, bytes);
      }
      void this.interaction.info(vscode.l10n.t('Video saved to {0}.', vscode.workspace.asRelativePath(target)));
      return target;
    } catch (error) {
      void this.interaction.error(vscode.l10n.t('Could not save the video: {0}. fal\'s result links expire after a while; re-run with the same seed to get it again.', error instanceof Error ? error.message : String(error)));
      return undefined;
    }
  }
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(vscode.l10n.t('download failed with HTTP {0}', response.status));
  }
  return response;
}
