import * as vscode from 'vscode';
import * as path from 'node:path';
import { readGenerationDefaults } from '../config/settings';
import type { GenerationRecord } from '../model/generation';
import { BUILT_IN_DEFAULTS } from '../model/request';
import { PARAMS_COMMANDS } from '../params/editor/paramsCodeLens';
import type { ParamsDiagnostics } from '../params/editor/paramsDiagnostics';
import { baseName, isParamsFileUri } from '../params/editor/paramsDocuments';
import { copyRequestAsCode, isCodeLanguage } from '../panel/copyAsCode';
import { buildDryRun, DRY_RUN_SCHEME, type DryRunDocument, type DryRunDocuments } from '../runs/dryRun';
import type { ParamsRunner } from '../runs/runner';
import type { ParamsRunReport } from '../runs/runReport';
import { exists, fileNameProblem, paramsTargetFromDialog, saveParametersFile, withSuffix } from '../params/editor/paramsFileWriter';
import { renderNewParamsFile } from '../params/template';
import type { Interaction } from '../ui/interaction';
import type { Command } from '../util/commandManager';
import { readSettings } from '../config/reader';

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

/** What the parameter-file commands work with. */
export interface ParamsCommandDeps {
  runner: ParamsRunner;
  dryRuns: DryRunDocuments;
  diagnostics: ParamsDiagnostics;
  /** Brings the lenses up to date (a lens that was out of date was clicked). */
  refreshLenses(): void;
}

function onlyParamsFiles(uris: readonly vscode.Uri[], interaction: Interaction, action: string): vscode.Uri[] {
  const files = uris.filter(isParamsFileUri);
  if (files.length === 0) {
    void interaction.warning(vscode.l10n.t('{0} works on .animate.json parameter files. Open one, or create it with "AnimateDiff: New Parameter File".', action), {});
  }
  return files;
}

export class GenerateFromParamsFileCommand implements Command {
  readonly id = PARAMS_COMMANDS.generate;

  constructor(private readonly params: ParamsCommandDeps, private readonly interaction: Interaction) {}

  async execute(...args: unknown[]): Promise<ParamsRunReport> {
    const files = onlyParamsFiles(targetFiles(args), this.interaction, vscode.l10n.t('Generate Video from Parameter File'));
    if (files.length === 0) {
      return { started: false, reason: 'no parameter file', items: [] };
    }
    return this.params.runner.run(files);
  }
}

export class DryRunParamsFileCommand implements Command {
  readonly id = PARAMS_COMMANDS.dryRun;

  constructor(private readonly params: ParamsCommandDeps, private readonly interaction: Interaction) {}

  /** Shows the requests a run would send in a read-only editor; returns them (undefined when the file has problems). */
  async execute(...args: unknown[]): Promise<DryRunDocument | undefined> {
    const [file] = onlyParamsFiles(targetFiles(args), this.interaction, vscode.l10n.t('Dry Run'));
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

export class CopyDryRunAsCodeCommand implements Command {
  readonly id = PARAMS_COMMANDS.copyDryRunAsCode;

  constructor(private readonly params: ParamsCommandDeps, private readonly interaction: Interaction) {}

  /** The dry run's request as code (the first, when a file sends several); a language may follow the document. */
  async execute(...args: unknown[]): Promise<string | undefined> {
    const shown = args.find((arg): arg is vscode.Uri => arg instanceof vscode.Uri) ?? vscode.window.activeTextEditor?.document.uri;
    const requests = shown?.scheme === DRY_RUN_SCHEME ? this.params.dryRuns.requestsOf(shown) : [];
    if (requests.length === 0) {
      void this.interaction.info(vscode.l10n.t('Copy as Code works on a dry run: run "Dry Run Parameter File" on a parameter file first.'));
      return undefined;
    }
    const seed = requests[0].input.seed;
    const placeHolder = requests.length === 1
      ? vscode.l10n.t('Copy the request as…')
      : typeof seed === 'number'
        ? vscode.l10n.t('Copy the first of its {0} requests (seed {1}) as…', requests.length, seed)
        : vscode.l10n.t('Copy the first of its {0} requests as…', requests.length);
    return copyRequestAsCode(requests[0], this.interaction, args.find(isCodeLanguage), placeHolder);
  }
}

export class CancelParamsFileRunCommand implements Command {
  readonly id = PARAMS_COMMANDS.cancel;

  constructor(private readonly params: ParamsCommandDeps) {}

  execute(...args: unknown[]): boolean {
    const [file] = targetFiles(args);
    return file ? this.params.runner.cancel(file) : false;
  }
}

export class ShowParamsProblemCommand implements Command {
  readonly id = PARAMS_COMMANDS.showProblem;

  constructor(private readonly params: ParamsCommandDeps) {}

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
    const defaults = readGenerationDefaults(readSettings());
    if (!defaults.ok) {
      void this.interaction.warning(vscode.l10n.t('{0} The new file uses the built-in defaults for those.', defaults.problems.map((p) => p.message).join(' ')), {});
    }
    const text = renderNewParamsFile(defaults.ok ? defaults.defaults : BUILT_IN_DEFAULTS);

    let target: vscode.Uri | undefined;
    if (folder) {
      const name = await this.interaction.input({
        title: vscode.l10n.t('New Parameter File'),
        prompt: vscode.l10n.t('Name of the new parameter file in {0}', vscode.workspace.asRelativePath(folder, true) || folder.path),
        value: 'my-video',
        placeHolder: 'fox-in-snow',
        ignoreFocusOut: true,
        validateInput: async (value) => {
          const problem = fileNameProblem(value);
          if (problem) {
            return problem;
          }
          return await exists(vscode.Uri.joinPath(folder, withSuffix(value))) ? vscode.l10n.t('{0} already exists here.', withSuffix(value)) : undefined;
        },
      });
      if (name === undefined || fileNameProblem(name)) {
        return undefined;
      }
      target = vscode.Uri.joinPath(folder, withSuffix(name));
    } else {
      const chosen = await vscode.window.showSaveDialog({ title: vscode.l10n.t('New Parameter File'), filters: { [vscode.l10n.t('AnimateDiff parameters')]: ['animate.json'] } });
      target = chosen && await paramsTargetFromDialog(chosen, this.interaction);
    }
    if (!target) {
      return undefined;
    }
    if (folder && await exists(target)) {
      void this.interaction.error(vscode.l10n.t('{0} already exists; it was left as it is.', baseName(target)));
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
      void this.interaction.info(vscode.l10n.t('Show a generated video in the AnimateDiff panel first: its exact parameters are what gets saved.'));
      return undefined;
    }
    return saveParametersFile(record, this.interaction, target instanceof vscode.Uri ? target : undefined);
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
