import * as vscode from 'vscode';
import type { ParamsFile } from '../fileSchema';
import { objectStartOffset } from '../jsonText';
import { Disposable } from '../../util/dispose';
import type { ParamsDiagnostics } from './paramsDiagnostics';

/** Progress of a running file, for its CodeLens. */
export interface RunProgress {
  total: number;
  finished: number;
}

/** Where the lenses learn that a file is running (the parameter-file runs). */
export interface RunProgressSource {
  progressOf(uri: vscode.Uri): RunProgress | undefined;
  readonly onDidChangeRuns: vscode.Event<void>;
}

export const PARAMS_COMMANDS = {
  generate: 'animateDiff.generateFromParamsFile',
  dryRun: 'animateDiff.dryRunParamsFile',
  copyDryRunAsCode: 'animateDiff.copyDryRunAsCode',
  newFile: 'animateDiff.newParamsFile',
  saveParameters: 'animateDiff.saveParameters',
  cancel: 'animateDiff.cancelParamsFileRun',
  showProblem: 'animateDiff.showParamsProblem',
} as const;

/** How many videos a valid file asks for: its seed list, its `variations`, or one. */
export function videoCount(params: ParamsFile): number {
  if (Array.isArray(params.seed)) {
    return params.seed.length;
  }
  return params.variations ?? 1;
}

/**
 * The lenses above a parameter file's object: "▶ Generate" (or "▶ Generate N variations") and "Dry run" for a
 * valid file; for a file with errors one lens that says so and goes to the first; while it runs, its progress
 * and Cancel.
 */
export class ParamsCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly diagnostics: ParamsDiagnostics, private readonly runs: RunProgressSource) {
    super();
    this._register(diagnostics.onDidUpdate(() => this.changeEmitter.fire()));
    this._register(runs.onDidChangeRuns(() => this.changeEmitter.fire()));
  }

  /** Asks VS Code for the lenses again (it drops a pending refresh when the editor loses focus). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    // The line of the object's opening brace (the first line when the text is not an object yet).
    const start = document.positionAt(objectStartOffset(document.getText()));
    const range = new vscode.Range(start, start);
    const lens = (title: string, command: string, ...args: unknown[]) => new vscode.CodeLens(range, { title, command, arguments: args });
    const progress = this.runs.progressOf(document.uri);
    if (progress) {
      const of = progress.total > 1 ? ` — ${progress.finished} of ${progress.total} done` : '';
      return [
        // An empty command id makes a lens plain text.
        lens(`$(sync~spin) Generating${of}…`, ''),
        lens('Cancel', PARAMS_COMMANDS.cancel, document.uri),
      ];
    }
    const validation = this.diagnostics.peekValidation(document);
    if (!validation.params) {
      const errors = validation.errorCount;
      return [lens(`⚠ ${errors === 1 ? '1 error' : `${errors} errors`} — fix ${errors === 1 ? 'it' : 'them'} to generate (go to the first)`, PARAMS_COMMANDS.showProblem, document.uri)];
    }
    const count = videoCount(validation.params);
    return [
      lens(count > 1 ? `▶ Generate ${count} variations` : '▶ Generate', PARAMS_COMMANDS.generate, document.uri),
      lens('Dry run', PARAMS_COMMANDS.dryRun, document.uri),
    ];
  }
}

