import * as vscode from 'vscode';
import { paramsCheck } from '../checkLoader';
import type { ParamDiagnostic, ParamFix, ParamSeverity } from '../diagnostics';
import type { ParamsValidation } from '../validate';
import { Disposable } from '../../util/dispose';
import { redact } from '../../util/redaction';
import { isParamsDocument, isParamsFileUri, openDocument } from './paramsDocuments';

/** How long typing must pause before a file is checked again. */
export const VALIDATION_DEBOUNCE_MS = 200;

export const DIAGNOSTIC_SOURCE = 'AnimateDiff';

/** Offsets to positions for a text that is not open in an editor (a file of a batch run from the Explorer). */
class TextPositions {
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    for (let index = 0; index < text.length; index++) {
      const char = text.charCodeAt(index);
      if (char === 13 /* \r */) {
        if (text.charCodeAt(index + 1) === 10) {
          index++;
        }
        this.lineStarts.push(index + 1);
      } else if (char === 10 /* \n */) {
        this.lineStarts.push(index + 1);
      }
    }
  }

  positionAt(offset: number): vscode.Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.lineStarts[middle] <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return new vscode.Position(low, Math.max(0, offset - this.lineStarts[low]));
  }
}

/** The text file a tab shows (the modified side of a diff). */
function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  if (tab.input instanceof vscode.TabInputText) {
    return tab.input.uri;
  }
  if (tab.input instanceof vscode.TabInputTextDiff) {
    return tab.input.modified;
  }
  return undefined;
}

function tabbedUris(): Set<string> {
  const uris = new Set<string>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const uri = tabUri(tab);
      if (uri) {
        uris.add(uri.toString());
      }
    }
  }
  return uris;
}

interface PositionSource {
  positionAt(offset: number): vscode.Position;
}

interface FileEntry {
  /** The document version the validation belongs to; undefined for a file that is not open. */
  version: number | undefined;
  text: string;
  validation: ParamsValidation;
  /** Problems found by running the file (fal's 422, a refused `output` or `video_url`), until the next edit or run. */
  runProblems: ParamDiagnostic[];
  /** What is published, each with the fixes its quick fixes offer. */
  published: Array<{ diagnostic: vscode.Diagnostic; fixes: readonly ParamFix[] }>;
  /**
   * JSON syntax errors and repeated keys, which VS Code's own JSON support shows (once, so not by us too); they
   * still count as the file's errors, and their fixes are offered on its diagnostics.
   */
  syntax: Array<{ diagnostic: vscode.Diagnostic; fixes: readonly ParamFix[] }>;
}

/** What VS Code's JSON support reports by itself (with or without a schema), so it is not published twice. */
const SHOWN_BY_JSON_SUPPORT: ReadonlySet<string> = new Set(['json-syntax', 'duplicate-key']);

/** Whether VS Code's JSON support reports syntax errors in this file itself (its default). */
function jsonSupportValidates(uri: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration('json', uri).get<boolean>('validate.enable', true);
}

const SEVERITY: Readonly<Record<ParamSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/**
 * Keeps the Problems panel in step with every `.animate.json`: checked when opened, again as the user types
 * (debounced), cleared when closed. Files run from the Explorer without being opened get their problems
 * too, until they change on disk or are deleted. Problems a run found (fal's 422) join them until the next
 * edit or run.
 */
export class ParamsDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('animateDiff.params'));
  private readonly entries = new Map<string, FileEntry>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly updateEmitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  /** A file's problems were published again (CodeLens follows this). */
  readonly onDidUpdate = this.updateEmitter.event;

  constructor(private readonly debounceMs = VALIDATION_DEBOUNCE_MS) {
    super();
    this._register(vscode.workspace.onDidOpenTextDocument((document) => this.checkNow(document)));
    this._register(vscode.workspace.onDidChangeTextDocument((event) => {
      // Only files being checked: not one whose last tab closed while VS Code keeps its document around.
      if (event.contentChanges.length > 0 && this.entries.has(event.document.uri.toString())) {
        this.schedule(event.document);
      }
    }));
    this._register(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
    // VS Code keeps a document alive for a while after its last editor closes; the user closed the file when
    // its last tab went, so its problems go then. A tab opened on a document still alive brings them back.
    this._register(vscode.window.tabGroups.onDidChangeTabs((event) => {
      const shown = tabbedUris();
      for (const tab of event.closed) {
        const uri = tabUri(tab);
        if (uri && isParamsFileUri(uri) && !shown.has(uri.toString())) {
          this.forget(uri);
        }
      }
      for (const tab of event.opened) {
        const uri = tabUri(tab);
        const document = uri && !this.entries.has(uri.toString()) ? openDocument(uri) : undefined;
        if (document) {
          this.checkNow(document);
        }
      }
    }));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.animate.json', true, false, false));
    this._register(watcher.onDidChange((uri) => void this.refreshClosedFile(uri)));
    this._register(watcher.onDidDelete((uri) => {
      if (!openDocument(uri)) {
        this.forget(uri);
      }
    }));
    this._register({ dispose: () => this.pending.forEach((timer) => clearTimeout(timer)) });
    for (const document of vscode.workspace.textDocuments) {
      this.checkNow(document);
    }
  }

  /** The current validation of an open document (checked now if typing made the last one stale). */
  validationOf(document: vscode.TextDocument): ParamsValidation {
    const entry = this.entries.get(document.uri.toString());
    if (entry && entry.version === document.version) {
      return entry.validation;
    }
    return this.checkNow(document)?.validation ?? paramsCheck().validateParamsText(document.getText());
  }

  /**
   * The validation of an open document without publishing anything: the cached one when it is current, else a
   * fresh check (the debounced check publishes it). For providers, which must not fire events while asked.
   */
  peekValidation(document: vscode.TextDocument): ParamsValidation {
    const entry = this.entries.get(document.uri.toString());
    return entry && entry.version === document.version ? entry.validation : paramsCheck().validateParamsText(document.getText());
  }

  /**
   * Checks `text` as the content of `uri` and publishes the result; for files a run reads without an editor.
   * An open document's own (newer) state wins.
   */
  checkText(uri: vscode.Uri, text: string): ParamsValidation {
    const document = openDocument(uri);
    if (document) {
      return this.validationOf(document);
    }
    const validation = paramsCheck().validateParamsText(text);
    this.store(uri, { version: undefined, text, validation, runProblems: [], published: [], syntax: [] }, new TextPositions(text));
    return validation;
  }

  /** Shows problems a run found (e.g. fal's 422), located in the file's current text by the caller. */
  setRunProblems(uri: vscode.Uri, text: string, problems: readonly ParamDiagnostic[]): void {
    const key = uri.toString();
    const document = openDocument(uri);
    let entry = this.entries.get(key);
    if (!entry || entry.text !== text) {
      const validation = document && document.getText() === text ? this.validationOf(document) : paramsCheck().validateParamsText(text);
      entry = { version: document?.version, text, validation, runProblems: [], published: [], syntax: [] };
    }
    const seen = new Set(entry.runProblems.map((p) => `${p.offset}:${p.length}:${p.message}`));
    const added = problems.filter((p) => !seen.has(`${p.offset}:${p.length}:${p.message}`));
    this.store(uri, { ...entry, runProblems: [...entry.runProblems, ...added] }, document ?? new TextPositions(text));
  }

  /** Drops the problems of an earlier run (a new run of the file starts). */
  clearRunProblems(uri: vscode.Uri): void {
    const entry = this.entries.get(uri.toString());
    if (entry && entry.runProblems.length > 0) {
      const document = openDocument(uri);
      this.store(uri, { ...entry, runProblems: [] }, document ?? new TextPositions(entry.text));
    }
  }

  /** The quick fixes of a published diagnostic (matched by range, message and code: VS Code hands back copies). */
  fixesFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): readonly ParamFix[] {
    const entry = this.entries.get(uri.toString());
    const found = entry?.published.find(({ diagnostic: published }) => published.range.isEqual(diagnostic.range)
      && published.message === diagnostic.message
      && published.code === diagnostic.code);
    return found?.fixes ?? [];
  }

  /** The fixes for a problem VS Code's JSON support reported: those of the one this check found at that place. */
  syntaxFixesFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): readonly ParamFix[] {
    // Its parser and this one may place the same error a few characters apart (the comma, or the token after it).
    const entry = this.entries.get(uri.toString());
    const found = entry?.syntax.find(({ diagnostic: own }) => own.range.intersection(diagnostic.range) !== undefined
      || own.range.start.line === diagnostic.range.start.line);
    return found?.fixes ?? [];
  }

  /** A file's errors (JSON syntax errors included, which VS Code's JSON support shows), first one first. */
  errorsOf(uri: vscode.Uri): vscode.Diagnostic[] {
    const entry = this.entries.get(uri.toString());
    return [...(entry?.published ?? []), ...(entry?.syntax ?? [])]
      .map(({ diagnostic }) => diagnostic)
      .filter((diagnostic) => diagnostic.severity === vscode.DiagnosticSeverity.Error)
      .sort((a, b) => a.range.start.compareTo(b.range.start));
  }

  /** The text the published problems were computed from (edits made with them must target this text). */
  textOf(uri: vscode.Uri): string | undefined {
    return this.entries.get(uri.toString())?.text;
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      this.checkNow(document);
    }, this.debounceMs));
  }

  private checkNow(document: vscode.TextDocument): FileEntry | undefined {
    if (!isParamsDocument(document) || document.isClosed || this.isDisposed) {
      return undefined;
    }
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    const text = document.getText();
    const earlier = this.entries.get(key);
    const entry: FileEntry = {
      version: document.version,
      text,
      validation: paramsCheck().validateParamsText(text),
      // A run's problems belong to the text they were found in; any edit retires them.
      runProblems: earlier && earlier.text === text ? earlier.runProblems : [],
      published: [],
      syntax: [],
    };
    return this.store(document.uri, entry, document);
  }

  private async refreshClosedFile(uri: vscode.Uri): Promise<void> {
    if (!isParamsFileUri(uri) || openDocument(uri) || !this.entries.has(uri.toString())) {
      return;
    }
    try {
      const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
      if (!openDocument(uri) && this.entries.has(uri.toString())) {
        this.checkText(uri, text);
      }
    } catch {
      this.forget(uri);
    }
  }

  private store(uri: vscode.Uri, entry: FileEntry, positions: PositionSource): FileEntry {
    const toDiagnostic = (problem: ParamDiagnostic) => {
      const range = new vscode.Range(positions.positionAt(problem.offset), positions.positionAt(problem.offset + problem.length));
      // A run's problems quote fal's answer, which can echo the key.
      const diagnostic = new vscode.Diagnostic(range, redact(problem.message), SEVERITY[problem.severity]);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = problem.code;
      return { diagnostic, fixes: problem.fixes ?? [] };
    };
    // The check caps its own problems; a run's are capped apart, so fal's verdict is never hidden behind them.
    const all = [...entry.validation.diagnostics, ...paramsCheck().capDiagnostics(entry.runProblems)].map(toDiagnostic);
    const shownByJson = jsonSupportValidates(uri) ? all.filter(({ diagnostic }) => SHOWN_BY_JSON_SUPPORT.has(String(diagnostic.code))) : [];
    entry.published = all.filter((item) => !shownByJson.includes(item));
    entry.syntax = shownByJson;
    this.entries.set(uri.toString(), entry);
    this.collection.set(uri, entry.published.map(({ diagnostic }) => diagnostic));
    this.updateEmitter.fire(uri);
    return entry;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    if (this.entries.delete(key)) {
      this.collection.delete(uri);
      this.updateEmitter.fire(uri);
    }
  }
}
