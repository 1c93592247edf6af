import * as vscode from 'vscode';
import { Disposable } from '../../util/dispose';
import { DryRunDocuments } from '../../runs/dryRun';
import { ParamsCodeActionProvider } from './paramsCodeActions';
import { ParamsCodeLensProvider } from './paramsCodeLens';
import { ParamsDiagnostics } from './paramsDiagnostics';
import { PARAMS_DOCUMENT_SELECTOR } from './paramsDocuments';
import { ParamsRunner, type ParamsRunnerDeps } from '../../runs/runner';

export { PARAMS_COMMANDS, videoCount } from './paramsCodeLens';
export { buildDryRun, DRY_RUN_SCHEME, type DryRunDocument } from '../../runs/dryRun';
export { ParamsRunner, type ParamsRunItem, type ParamsRunReport, type PreparedParamsFile } from '../../runs/runner';
export { ParamsDiagnostics } from './paramsDiagnostics';
export * from './paramsDocuments';

/**
 * Everything `.animate.json` files get in the editor: problems as the user types, quick fixes, the
 * Generate / Dry run lenses, read-only dry-run documents and the runner behind them. Created with the core,
 * which the activation shim loads as soon as a parameter file is opened.
 */
export class ParamsEditorFeatures extends Disposable {
  readonly diagnostics: ParamsDiagnostics;
  readonly runner: ParamsRunner;
  readonly dryRuns: DryRunDocuments;
  private readonly lenses: ParamsCodeLensProvider;

  constructor(deps: Omit<ParamsRunnerDeps, 'diagnostics'>) {
    super();
    this.diagnostics = this._register(new ParamsDiagnostics());
    this.runner = this._register(new ParamsRunner({ ...deps, diagnostics: this.diagnostics }));
    this.dryRuns = this._register(new DryRunDocuments());
    this.lenses = this._register(new ParamsCodeLensProvider(this.diagnostics, this.runner));
    this._register(vscode.languages.registerCodeLensProvider(PARAMS_DOCUMENT_SELECTOR, this.lenses));
    this._register(vscode.languages.registerCodeActionsProvider(
      PARAMS_DOCUMENT_SELECTOR,
      new ParamsCodeActionProvider(this.diagnostics),
      ParamsCodeActionProvider.metadata,
    ));
  }

  /** Brings the lenses up to date, e.g. after a lens that was out of date was clicked. */
  refreshLenses(): void {
    this.lenses.refresh();
  }
}
