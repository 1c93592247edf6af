import * as vscode from 'vscode';
import * as path from 'node:path';
import { OutputExistsError, writeBytesFile } from '../files/atomicFile';
import type { GenerationRecord } from '../model/generation';
import type { Interaction } from '../ui/interaction';
import { messageOf } from '../util/text';
import { fileStem, formatFileSize, fpsChoices, markdownGifWidth, markdownImage, widthChoices, type ExportChoice } from './exportText';
import type { GenerationSummary } from './generationView';
import type { GenerationPresenter } from './presenter';
import type { EncodedVideo, EncodeOptions, VideoPanelManager } from './videoPanel';

const DEFAULT_FPS = 8;

/**
 * "Export GIF or WebM…" and "Insert as Markdown": the video is shown in the panel, encoded there (see
 * VideoPanelManager.encode) and the bytes written here. A bundle of its own (dist/video-export.js), loaded by the
 * core at the first export.
 */
export class VideoExporter {
  constructor(
    private readonly panels: VideoPanelManager,
    private readonly presenter: GenerationPresenter,
    /** The panel's view of a record (its size and frame rate); passed in so this bundle does not carry the model. */
    private readonly viewOf: (record: GenerationRecord) => GenerationSummary,
    private readonly interaction: Interaction,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Asks format, width, frame rate and loop (unless `given`), encodes, shows the size and saves where the user says. */
  async exportVideo(record: GenerationRecord, given?: ExportChoice): Promise<vscode.Uri | undefined> {
    const choice = given ?? await this.askChoice(record);
    if (!choice) {
      return undefined;
    }
    const encoded = await this.encode(record, choice);
    if (!encoded) {
      return undefined;
    }
    const kind = choice.format === 'gif' ? 'GIF' : 'WebM';
    const size = formatFileSize(encoded.bytes.length);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${fileStem(record.input.prompt ?? '')}.${choice.format}`;
    const target = choice.target ?? await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save {0}: {1}, {2} frames, {3}×{4}', kind, size, encoded.frames, encoded.width, encoded.height),
      saveLabel: vscode.l10n.t('Save {0} ({1})', kind, size),
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { [kind]: [choice.format] },
    });
    if (!target) {
      return undefined;
    }
    try {
      // The save dialog has asked about replacing an existing file.
      await this.write(target, encoded.bytes, true);
    } catch (error) {
      void this.interaction.error(vscode.l10n.t('Could not save the {0}: {1}', kind, messageOf(error)));
      return undefined;
    }
    void this.interaction.info(vscode.l10n.t('{0} saved to {1} ({2}).', kind, vscode.workspace.asRelativePath(target), size));
    return target;
  }

  /** Saves a GIF next to the Markdown file being edited and puts `![prompt](name.gif)` at its cursor. */
  async insertAsMarkdown(record: GenerationRecord): Promise<vscode.Uri | undefined> {
    const editor = markdownEditor();
    if (!editor) {
      void this.interaction.warning(vscode.l10n.t('Insert as Markdown needs a Markdown file: open it, put the cursor where the GIF goes, and run Insert as Markdown again.'), {});
      return undefined;
    }
    const markdown = editor.document.uri;
    if (editor.document.isUntitled || markdown.scheme !== 'file') {
      void this.interaction.warning(vscode.l10n.t('Save the Markdown file first: the GIF is saved next to it.'), {});
      return undefined;
    }
    const view = this.viewOf(record);
    const encoded = await this.encode(record, { format: 'gif', width: markdownGifWidth(view.size.width), fps: view.fps ?? DEFAULT_FPS, loop: true });
    if (!encoded) {
      return undefined;
    }
    const folder = path.dirname(markdown.fsPath);
    const stem = fileStem(record.input.prompt ?? '');
    let file: string | undefined;
    try {
      for (let n = 1; !file; n += 1) {
        const candidate = path.join(folder, n === 1 ? `${stem}.gif` : `${stem}-${n}.gif`);
        // Never over an existing file: the next free name instead.
        file = await this.write(vscode.Uri.file(candidate), encoded.bytes, false).then(() => candidate, (error: unknown) => {
          if (error instanceof OutputExistsError && n < 100) {
            return undefined;
          }
          throw error;
        });
      }
    } catch (error) {
      void this.interaction.error(vscode.l10n.t('Could not save the GIF next to {0}: {1}', path.basename(markdown.fsPath), messageOf(error)));
      return undefined;
    }
    const relative = path.relative(folder, file).split(path.sep).join('/');
    const text = markdownImage(record.input.prompt ?? '', relative);
    const at = editor.selection.active;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(markdown, at, text);
    await vscode.workspace.applyEdit(edit);
    // The panel may cover where the cursor was: the image's line is selected and scrolled into view.
    const inserted = new vscode.Range(at, editor.document.positionAt(editor.document.offsetAt(at) + text.length));
    editor.selection = new vscode.Selection(inserted.start, inserted.end);
    editor.revealRange(inserted, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    void this.interaction.info(vscode.l10n.t('Inserted {0} ({1}) into {2}.', relative, formatFileSize(encoded.bytes.length), path.basename(markdown.fsPath)));
    return vscode.Uri.file(file);
  }

  private async askChoice(record: GenerationRecord): Promise<ExportChoice | undefined> {
    const view = this.viewOf(record);
    const format = await this.interaction.pick([
      { label: 'GIF', value: 'gif' as const, detail: vscode.l10n.t('Plays everywhere: docs, READMEs, chat. Up to 256 colours.') },
      { label: 'WebM', value: 'webm' as const, detail: vscode.l10n.t('Full colour and smaller (VP8 video), for pages and players that take video.') },
    ], { title: vscode.l10n.t('Export Video'), placeHolder: vscode.l10n.t('Export as…') });
    if (!format) {
      return undefined;
    }
    const width = await this.interaction.pick(widthChoices(view.size.width).map((value) => ({
      label: vscode.l10n.t('{0} px wide', value),
      description: value === view.size.width ? vscode.l10n.t('the video’s size') : undefined,
      value,
    })), { title: vscode.l10n.t('Export Video'), placeHolder: vscode.l10n.t('Width') });
    if (!width) {
      return undefined;
    }
    const videoFps = view.fps ?? DEFAULT_FPS;
    const fps = await this.interaction.pick(fpsChoices(videoFps).map((value) => ({
      label: vscode.l10n.t('{0} fps', value),
      description: value === videoFps ? vscode.l10n.t('every frame') : vscode.l10n.t('every {0}th frame, smaller', videoFps / value),
      value,
    })), { title: vscode.l10n.t('Export Video'), placeHolder: vscode.l10n.t('Frame rate') });
    if (!fps) {
      return undefined;
    }
    let loop = true;
    if (format.value === 'gif') {
      const answer = await this.interaction.pick([
        { label: vscode.l10n.t('Loop forever'), value: true },
        { label: vscode.l10n.t('Play once'), value: false },
      ], { title: vscode.l10n.t('Export Video'), placeHolder: vscode.l10n.t('Loop') });
      if (!answer) {
        return undefined;
      }
      loop = answer.value;
    }
    return { format: format.value, width: width.value, fps: fps.value, loop };
  }

  /** Shows the video in the panel unless it does, and has it encoded there, with progress. */
  private async encode(record: GenerationRecord, options: EncodeOptions): Promise<EncodedVideo | undefined> {
    if (!this.panels.shownVideo(record.id)) {
      this.presenter.show(record, { preserveFocus: true });
    } else {
      // A webview in a background tab (e.g. behind the Markdown file, in the same group) renders no frames to read.
      this.panels.revealIfHidden();
    }
    const kind = options.format === 'gif' ? 'GIF' : 'WebM';
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Encoding {0} ({1} px, {2} fps)…', kind, options.width, options.fps) },
        () => this.panels.encode(record.id, options),
      );
    } catch (error) {
      this.log.warn(`Could not encode generation ${record.id} as ${kind}: ${messageOf(error)}`);
      void this.interaction.error(vscode.l10n.t('Could not make the {0}: {1}', kind, messageOf(error)));
      return undefined;
    }
  }

  private async write(target: vscode.Uri, bytes: Uint8Array, replace: boolean): Promise<void> {
    if (target.scheme === 'file') {
      await writeBytesFile(target.fsPath, bytes, { replace });
    } else {
      await vscode.workspace.fs.writeFile(target, bytes);
    }
  }
}

/**
 * The active Markdown editor, else a visible one: clicking the panel's button makes the panel the active editor, and
 * the panel opens beside the editor, which stays visible.
 */
function markdownEditor(): vscode.TextEditor | undefined {
  const isMarkdown = (editor: vscode.TextEditor | undefined) => editor?.document.languageId === 'markdown';
  const active = vscode.window.activeTextEditor;
  return isMarkdown(active) ? active : vscode.window.visibleTextEditors.find(isMarkdown);
}
