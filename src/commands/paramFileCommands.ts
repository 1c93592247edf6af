import * as vscode from 'vscode';
import * as path from 'node:path';
import { readGenerationDefaults } from '../config/settings';
import type { GenerationRecord } from '../generation/generationService';
import { BUILT_IN_DEFAULTS } from '../model/request';
import {
  PARAMS_COMMANDS,
  PARAMS_FILE_SUFFIX,
  baseName,
  buildDryRun,
  isParamsFileUri,
  type DryRunDocument,
  type ParamsEditorFeatures,
  type ParamsRunReport,
} from '../params/editor';
import { paramsFileStem } from '../params/requests';
import { renderNewParamsFile, renderParamsFromRequest } from '../params/template';
import type { Interaction } from '../ui/interaction';
import type { Command } from './commandManager';

/** The files a command acts on: the Explorer's selection, the clicked file or lens, else the active editor. */
function targetFiles(args: readonly unknown[]): vscode.Uri[] {
  const [clicked, selected] = args;
  if (Array.isArray(selected) && selected.length > 0 && selected.every((item) => item instanceof vscode.Uri)) {
    return selected as vscode.Uri[];
  }
  if (clicked instanceof vscode.Uri) {
    return [clicked];
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  return active ? [active] : [];
}

function onlyParamsFiles(uris: readonly vscode.Uri[], interaction: Interaction, action: string): vscode.Uri[] {
  const files = uris.filter(isParamsFileUri);
  if (files.length === 0) {
    void interaction.warning(`${action} works on .animate.json parameter files. Open one, or create it with "AnimateDiff: New Parameter File".`, {});
  }
  return files;
}

export class GenerateFromParamsFileCommand implements Command {
  readonly id = PARAMS_COMMANDS.generate;

  constructor(private readonly params: ParamsEditorFeatures, private readonly interaction: Interaction) {}

  async execute(...args: unknown[]): Promise<ParamsRunReport> {
    const files = onlyParamsFiles(targetFiles(args), this.interaction, 'Generate Video from Parameter File');
    if (files.length === 0) {
      return { started: false, reason: 'no parameter file', items: [] };
    }
    return this.params.runner.run(files);
  }
}

export class DryRunParamsFileCommand implements Command {
  readonly id = PARAMS_COMMANDS.dryRun;

  constructor(private readonly params: ParamsEditorFeatures, private readonly interaction: Interaction) {}

  /** Shows the requests a run would send in a read-only editor; returns them (undefined when the file has problems). */
  async execute(...args: unknown[]): Promise<DryRunDocument | undefined> {
    const [file] = onlyParamsFiles(targetFiles(args), this.interaction, 'Dry Run');
    if (!file) {
      return undefined;
    }
    const defaults = await this.params.runner.readDefaults();
    if (!defaults) {
      return undefined;
    }
    const prepared = await this.params.runner.prepare(file, defaults);
    if (!prepared.ok) {
      await vscode.commands.executeCommand(PARAMS_COMMANDS.showProblem, file);
      void this.interaction.error(prepared.message);
      return undefined;
    }
    const dryRun = await buildDryRun(prepared.file);
    await this.params.dryRuns.show(prepared.file, dryRun);
    return dryRun;
  }
}

export class CancelParamsFileRunCommand implements Command {
  readonly id = PARAMS_COMMANDS.cancel;

  constructor(private readonly params: ParamsEditorFeatures) {}

  execute(...args: unknown[]): boolean {
    const [file] = targetFiles(args);
    return file ? this.params.runner.cancel(file) : false;
  }
}

export class ShowParamsProblemCommand implements Command {
  readonly id = PARAMS_COMMANDS.showProblem;

  constructor(private readonly params: ParamsEditorFeatures) {}

  /** Opens the file with its first error selected. Returns whether there was one. */
  async execute(...args: unknown[]): Promise<boolean> {
    const [file] = targetFiles(args);
    if (!file) {
      return false;
    }
    const document = await vscode.workspace.openTextDocument(file);
    this.params.diagnostics.validationOf(document);
    const [first] = this.params.diagnostics.errorsOf(file);
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    if (!first) {
      // The lens that led here was out of date (VS Code keeps an unfocused editor's lenses until it is focused).
      this.params.refreshLenses();
      return false;
    }
    editor.selection = new vscode.Selection(first.range.start, first.range.end);
    editor.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }
}

export class NewParamsFileCommand implements Command {
  readonly id = PARAMS_COMMANDS.newFile;

  constructor(private readonly interaction: Interaction) {}

  /** Asks for a name, writes a valid file with every default filled in and opens it, prompt selected. */
  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const folder = await this.targetFolder(args[0]);
    const defaults = readGenerationDefaults((name) => vscode.workspace.getConfiguration('animateDiff').get<unknown>(name));
    if (!defaults.ok) {
      void this.interaction.warning(`${defaults.problems.map((p) => p.message).join(' ')} The new file uses the built-in defaults for those.`, {});
    }
    const text = renderNewParamsFile(defaults.ok ? defaults.defaults : BUILT_IN_DEFAULTS);

    let target: vscode.Uri | undefined;
    if (folder) {
      const name = await this.interaction.input({
        title: 'New Parameter File',
        prompt: `Name of the new parameter file in ${vscode.workspace.asRelativePath(folder, true) || folder.path}`,
        value: 'my-video',
        placeHolder: 'fox-in-snow',
        ignoreFocusOut: true,
        validateInput: async (value) => {
          const problem = fileNameProblem(value);
          if (problem) {
            return problem;
          }
          return await exists(vscode.Uri.joinPath(folder, withSuffix(value))) ? `${withSuffix(value)} already exists here.` : undefined;
        },
      });
      if (name === undefined || fileNameProblem(name)) {
        return undefined;
      }
      target = vscode.Uri.joinPath(folder, withSuffix(name));
    } else {
      const chosen = await vscode.window.showSaveDialog({ title: 'New Parameter File', filters: { 'AnimateDiff parameters': ['animate.json'] } });
      target = chosen && await paramsTargetFromDialog(chosen, this.interaction);
    }
    if (!target) {
      return undefined;
    }
    if (folder && await exists(target)) {
      void this.interaction.error(`${baseName(target)} already exists; it was left as it is.`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    const editor = await vscode.window.showTextDocument(target, { preview: false });
    selectPromptValue(editor);
    return target;
  }

  /** The Explorer's folder (or the clicked file's), the active file's folder, or the first workspace folder. */
  private async targetFolder(clicked: unknown): Promise<vscode.Uri | undefined> {
    if (clicked instanceof vscode.Uri) {
      try {
        const stat = await vscode.workspace.fs.stat(clicked);
        return stat.type & vscode.FileType.Directory ? clicked : clicked.with({ path: path.posix.dirname(clicked.path) });
      } catch {
        // Fall through to the editor and workspace.
      }
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && vscode.workspace.getWorkspaceFolder(active)) {
      return active.with({ path: path.posix.dirname(active.path) });
    }
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }
}

export interface SaveParametersDeps {
  /** A finished generation by id. */
  find(id: string): GenerationRecord | undefined;
  /** The generation the video panel shows on its own, if any. */
  visibleGenerationId(): string | undefined;
}

export class SaveParametersCommand implements Command {
  readonly id = PARAMS_COMMANDS.saveParameters;

  constructor(private readonly deps: SaveParametersDeps, private readonly interaction: Interaction) {}

  /** `(generationId?, target?)`: without an id, the panel's video; without a target, a save dialog. */
  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const [id, target] = args;
    const shownId = typeof id === 'string' ? id : this.deps.visibleGenerationId();
    const record = shownId ? this.deps.find(shownId) : undefined;
    if (!record) {
      void this.interaction.info('Show a generated video in the AnimateDiff panel first: its exact parameters are what gets saved.');
      return undefined;
    }
    return this.save(record, target instanceof vscode.Uri ? target : undefined);
  }

  /** Writes the request exactly as sent (seed included) as a parameter file and opens it. */
  async save(record: GenerationRecord, given?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const seed = record.seed ?? (typeof record.input.seed === 'number' ? record.input.seed : undefined);
    const input = seed === undefined ? { ...record.input } : { ...record.input, seed };
    let target = given;
    if (!target) {
      const chosen = await vscode.window.showSaveDialog({
        title: 'Save Parameters as .animate.json',
        defaultUri: defaultParamsTarget(record, seed),
        filters: { 'AnimateDiff parameters': ['animate.json'] },
      });
      target = chosen && await paramsTargetFromDialog(chosen, this.interaction);
      if (!target) {
        return undefined;
      }
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(renderParamsFromRequest(record.endpoint, input)));
    await vscode.window.showTextDocument(target, { preview: false });
    void this.interaction.info(`Saved the parameters as ${vscode.workspace.asRelativePath(target)}. Run it with "▶ Generate" to make the same video again.`);
    return target;
  }
}

function defaultParamsTarget(record: GenerationRecord, seed: number | undefined): vscode.Uri | undefined {
  const suffix = seed === undefined ? 'random' : String(seed);
  const source = record.source.file ? vscode.Uri.parse(record.source.file) : undefined;
  if (source && source.scheme === 'file' && vscode.workspace.getWorkspaceFolder(source)) {
    const stem = paramsFileStem(baseName(source)).replace(/-\d+$/, '');
    return source.with({ path: path.posix.join(path.posix.dirname(source.path), `${stem}-${suffix}${PARAMS_FILE_SUFFIX}`) });
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, `video-${suffix}${PARAMS_FILE_SUFFIX}`) : undefined;
}

/** `fox` or `fox.json` → `fox.animate.json`. */
function withSuffix(name: string): string {
  const trimmed = name.trim();
  if (trimmed.toLowerCase().endsWith(PARAMS_FILE_SUFFIX)) {
    return trimmed;
  }
  return `${trimmed.replace(/\.json$/i, '')}${PARAMS_FILE_SUFFIX}`;
}

/**
 * The file a save dialog's choice is written to: with the `.animate.json` suffix added when missing. The dialog
 * asked about replacing the name the user typed; a different existing file is only replaced when they confirm.
 */
export async function paramsTargetFromDialog(chosen: vscode.Uri, interaction: Interaction): Promise<vscode.Uri | undefined> {
  const target = ensureParamsName(chosen);
  if (target.toString() === chosen.toString() || !await exists(target)) {
    return target;
  }
  const choice = await interaction.warning(`${baseName(target)} already exists. Replace it?`, { modal: true }, 'Replace');
  return choice === 'Replace' ? target : undefined;
}

function ensureParamsName(uri: vscode.Uri): vscode.Uri {
  const name = baseName(uri);
  return name.toLowerCase().endsWith(PARAMS_FILE_SUFFIX)
    ? uri
    : uri.with({ path: path.posix.join(path.posix.dirname(uri.path), withSuffix(name)) });
}

function fileNameProblem(value: string): string | undefined {
  const name = value.trim();
  if (name === '' || withSuffix(name) === PARAMS_FILE_SUFFIX) {
    return 'Enter a name, such as fox-in-snow.';
  }
  if (/[\\/:*?"<>|]/.test(name) || name.startsWith('.')) {
    return 'Use a plain file name without / \\ : * ? " < > | or a leading dot.';
  }
  return undefined;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Selects the prompt's text, so typing replaces the sample prompt. */
function selectPromptValue(editor: vscode.TextEditor): void {
  const text = editor.document.getText();
  const match = /"prompt"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!match) {
    return;
  }
  const start = match.index + match[0].length - match[1].length - 1;
  const selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(start + match[1].length));
  editor.selection = selection;
  // Revealing the whole (long) selection would scroll sideways and hide the key names.
  editor.revealRange(new vscode.Range(selection.start, selection.start));
}
