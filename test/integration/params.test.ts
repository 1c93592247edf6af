// Parameter files (.animate.json) in a genuine VS Code: problems as the user types, quick fixes, lenses,
// runs that write the video and its record, batches, uploads, Restricted Mode and fal's 422.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { freshState, imitation, submits, TEST_KEY, waitFor, withSettings } from './support';
import type { DryRunDocument } from '../../src/runs/dryRun';
import type { ParamsRunReport } from '../../src/runs/runReport';
import { resultRecordSchema } from '../../src/runs/resultRecord';
import { validateParamsText } from '../../src/params/validate';
import { renderParamsFromRequest } from '../../src/params/template';
import { paramsTargetFromDialog } from '../../src/params/editor/paramsFileWriter';

const CLIP = path.resolve(__dirname, '../../../test/fixtures/clip.mp4');
const SOURCE = 'AnimateDiff';

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite opens the sample workspace');
  return folder.uri;
}

let folderCount = 0;

/** A fresh folder in the workspace for one test's files. */
function testFolder(name: string): string {
  folderCount += 1;
  const folder = path.join(workspaceRoot().fsPath, 'params-tests', `${folderCount}-${name}`);
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

function writeParams(folder: string, name: string, content: string | object): vscode.Uri {
  const file = path.join(folder, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return vscode.Uri.file(file);
}

function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/** The range of the `occurrence`-th appearance of `needle` in the document. */
function rangeOf(document: vscode.TextDocument, needle: string): vscode.Range {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} is in the document`);
  return new vscode.Range(document.positionAt(offset), document.positionAt(offset + needle.length));
}

function showRange(range: vscode.Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false });
}

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

async function run(...args: unknown[]): Promise<ParamsRunReport> {
  return (await vscode.commands.executeCommand('animateDiff.generateFromParamsFile', ...args)) as ParamsRunReport;
}

function readJson(uriString: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(vscode.Uri.parse(uriString).fsPath, 'utf8')) as Record<string, unknown>;
}

describe('parameter files: problems in the editor', () => {
  afterEach(closeAllEditors);

  it('opening a file shows each problem at its exact range; typing a fix clears it; closing clears the rest', async () => {
    await freshState();
    const folder = testFolder('diagnostics');
    const uri = writeParams(folder, 'fox.animate.json', '{\n  "prompt": "a red fox in the snow",\n  "num_frames": 64,\n  "video_sise": "square"\n}\n');
    const editor = await open(uri);
    const document = editor.document;
    await waitFor(() => ourDiagnostics(uri).length === 2, 'two problems on the file');

    const [tooMany, unknownKey] = ourDiagnostics(uri).sort((a, b) => a.range.start.compareTo(b.range.start));
    assert.equal(showRange(tooMany.range), showRange(rangeOf(document, '64')));
    assert.equal(tooMany.severity, vscode.DiagnosticSeverity.Error);
    assert.match(tooMany.message, /32/);
    assert.equal(showRange(unknownKey.range), showRange(rangeOf(document, '"video_sise"')));
    assert.equal(unknownKey.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(unknownKey.message, /video_size/);

    // Type the fix as a user would.
    await editor.edit((edit) => edit.replace(rangeOf(document, '64'), '24'));
    await waitFor(() => ourDiagnostics(uri).length === 1, 'the fixed number is no longer a problem');
    assert.equal(ourDiagnostics(uri)[0].code, unknownKey.code);

    await closeAllEditors();
    await waitFor(() => ourDiagnostics(uri).length === 0, 'problems cleared when the file closes');
  });

  it('quick fixes come from the problems and repair the file', async () => {
    await freshState();
    const uri = writeParams(testFolder('quick-fix'), 'fix.animate.json', '{\n  "prompt": "a lighthouse at night",\n  "fps": 90,\n  "video_sise": "square"\n}\n');
    const { document } = await open(uri);
    await waitFor(() => ourDiagnostics(uri).length === 2, 'two problems');
    for (const diagnostic of ourDiagnostics(uri)) {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      // (Actions come back through the command without their `diagnostics`; only ours are offered at this range.)
      assert.ok(actions.length > 0, `a quick fix for "${diagnostic.message}"`);
      const preferred = actions.find((action) => action.isPreferred) ?? actions[0];
      assert.match(preferred.title, /Use the maximum, 60|Change to "video_size"/);
      assert.ok(preferred.edit);
      assert.ok(await vscode.workspace.applyEdit(preferred.edit));
      await waitFor(() => ourDiagnostics(uri).every((d) => d.message !== diagnostic.message), `"${diagnostic.message}" is fixed`);
    }
    await waitFor(() => ourDiagnostics(uri).length === 0, 'no problem left');
    const parsed = JSON.parse(document.getText()) as Record<string, unknown>;
    assert.equal(parsed.fps, 60, 'clamped to the maximum');
    assert.equal(parsed.video_size, 'square', 'the key renamed to the suggestion');
  });

  it('a JSON syntax error shows once (VS Code\'s JSON support reports it) and gets our quick fix', async () => {
    await freshState();
    const uri = writeParams(testFolder('syntax'), 'broken.animate.json', '{\n  "prompt": "a boat"\n  "fps": 8\n}\n');
    const { document } = await open(uri);
    const fpsLine = document.positionAt(document.getText().indexOf('"fps"')).line;
    const syntaxErrors = () => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    await waitFor(() => syntaxErrors().length > 0, 'VS Code\'s JSON support to report the missing comma');
    assert.equal(syntaxErrors().length, 1, `one diagnostic: ${JSON.stringify(syntaxErrors().map((d) => [d.source, d.message]))}`);
    assert.equal(ourDiagnostics(uri).length, 0, 'not a second one of ours');
    const [problem] = syntaxErrors();
    assert.ok(Math.abs(problem.range.start.line - fpsLine) <= 1, 'where the comma is missing');
    const lenses = await lensesOf(uri);
    assert.match(lenses[0].command?.title ?? '', /1 error/, 'the CodeLens counts it');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, problem.range, vscode.CodeActionKind.QuickFix.value);
    const insert = actions.find((action) => action.title === 'Insert the missing comma');
    assert.ok(insert?.edit, `our fix on its diagnostic: ${actions.map((action) => action.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(insert.edit));
    assert.deepEqual(JSON.parse(document.getText()), { prompt: 'a boat', fps: 8 });
    await waitFor(() => syntaxErrors().length === 0, 'the file to be valid');
  });

  it('each mistake shows once: the schema VS Code is given completes and explains, it does not report again', async () => {
    await freshState();
    // Three mistakes, and a duplicated key that VS Code's JSON support reports by itself: once it has, it has also
    // applied the schema, so anything the schema reported would be there too.
    const uri = writeParams(testFolder('once'), 'once.animate.json',
      '{\n  "prompt": "a lighthouse",\n  "num_frames": 100,\n  "num_inference_stepz": 6,\n  "video_size": "squar",\n  "fps": 8,\n  "fps": 9\n}\n');
    const { document } = await open(uri);
    const all = () => vscode.languages.getDiagnostics(uri);
    const seen = () => all().map((d) => `${d.source ?? '?'}: ${d.message}`).join(' | ');
    await waitFor(() => ourDiagnostics(uri).length >= 3 && all().length > ourDiagnostics(uri).length, 'our problems and VS Code\'s duplicate key')
      .catch((error: unknown) => assert.fail(`${String(error)}; the file shows: ${seen()}`));
    const hover = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, document.positionAt(document.getText().indexOf('num_frames') + 2));
    assert.ok(hover.some((h) => h.contents.some((c) => /frames/i.test(typeof c === 'string' ? c : c.value))), 'VS Code explains the key from the schema');
    const byLine = new Map<number, string[]>();
    for (const d of all()) {
      byLine.set(d.range.start.line, [...(byLine.get(d.range.start.line) ?? []), `${d.source ?? '?'}: ${d.message}`]);
    }
    for (const [line, messages] of byLine) {
      assert.equal(messages.length, 1, `one problem on line ${line + 1}: ${messages.join(' | ')}`);
    }
    // VS Code marks both copies of the repeated key; ours are the other three.
    assert.equal(byLine.size, 5, `four mistakes, each shown by one side: ${seen()}`);
    assert.equal(ourDiagnostics(uri).length, 3, seen());
    const lens = (await lensesOf(uri))[0];
    // The unknown key is a warning (it is left out of the request), so three of the four are errors.
    assert.match(lens.command?.title ?? '', /3 errors/, `the CodeLens counts the file's errors: ${lens.command?.title ?? ''}`);
    const duplicate = all().find((d) => d.source !== SOURCE && d.range.start.line === 5);
    assert.ok(duplicate);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, duplicate.range, vscode.CodeActionKind.QuickFix.value);
    const remove = actions.find((action) => action.title === 'Remove this "fps"');
    assert.ok(remove?.edit, `our fix on VS Code's diagnostic: ${actions.map((action) => action.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal((JSON.parse(document.getText()) as { fps: number }).fps, 9, 'the copy that counted is kept');
  });
});

describe('parameter files: lenses and commands', () => {
  afterEach(closeAllEditors);

  it('every parameter file command is registered', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ['generateFromParamsFile', 'dryRunParamsFile', 'newParamsFile', 'saveParameters', 'cancelParamsFileRun', 'showParamsProblem']) {
      assert.ok(registered.has(`animateDiff.${id}`), `animateDiff.${id}`);
    }
  });

  it('a valid file shows "▶ Generate" and "Dry run"; variations and seed lists say how many', async () => {
    await freshState();
    const folder = testFolder('lenses');
    const single = writeParams(folder, 'single.animate.json', { prompt: 'a paper boat on a rainy street', seed: 5 });
    const varied = writeParams(folder, 'varied.animate.json', { prompt: 'a paper boat on a rainy street', variations: 3 });
    const listed = writeParams(folder, 'listed.animate.json', { prompt: 'a paper boat on a rainy street', seed: [1, 2] });
    await open(single);
    const lenses = await lensesOf(single);
    assert.deepEqual(lenses.map((l) => l.command?.title), ['▶ Generate', 'Dry run']);
    assert.deepEqual(lenses.map((l) => l.command?.command), ['animateDiff.generateFromParamsFile', 'animateDiff.dryRunParamsFile']);
    assert.equal(lenses[0].range.start.line, 0, 'at the top of the object');
    assert.equal(String(lenses[0].command?.arguments?.[0]), single.toString());
    await open(varied);
    assert.equal((await lensesOf(varied))[0].command?.title, '▶ Generate 3 variations');
    await open(listed);
    assert.equal((await lensesOf(listed))[0].command?.title, '▶ Generate 2 variations');
  });

  it('a file with errors shows one lens that says so and goes to the first error instead of sending', async () => {
    await freshState();
    const uri = writeParams(testFolder('error-lens'), 'bad.animate.json', '{\n  "prompt": "",\n  "num_frames": 0\n}\n');
    const { document } = await open(uri);
    const lenses = await lensesOf(uri);
    assert.equal(lenses.length, 1);
    assert.match(lenses[0].command?.title ?? '', /2 errors/);
    await vscode.commands.executeCommand(lenses[0].command?.command ?? '', ...(lenses[0].command?.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), uri.toString());
    assert.equal(editor?.selection.start.line, document.positionAt(document.getText().indexOf('""')).line, 'the first error is selected');

    const report = await run(uri);
    assert.equal(report.started, false);
    assert.equal((await submits()).length, 0, 'nothing sent');
  });

  it('the lenses run: "Dry run" shows the exact requests, key redacted, in a read-only editor, and sends nothing', async () => {
    await freshState();
    const uri = writeParams(testFolder('dry-run'), 'dry.animate.json', { prompt: 'a hummingbird at a flower', seed: [11, 12], num_frames: 12, output: 'out' });
    await open(uri);
    const dryLens = (await lensesOf(uri)).find((l) => l.command?.title === 'Dry run');
    assert.ok(dryLens?.command);
    const dryRun = (await vscode.commands.executeCommand(dryLens.command.command, ...(dryLens.command.arguments ?? []))) as DryRunDocument;
    assert.equal(dryRun.requests.length, 2);
    assert.deepEqual(dryRun.requests.map((r) => r.body.seed), [11, 12]);
    assert.equal(dryRun.requests[0].body.num_frames, 12);
    assert.equal(dryRun.requests[0].body.fps, 8, 'omitted fields carry the configured defaults');
    assert.equal(dryRun.requests[0].url, 'https://queue.fal.run/fal-ai/fast-animatediff/turbo/text-to-video');
    assert.match(dryRun.requests[0].headers.Authorization, /redacted/);
    assert.match(dryRun.requests[0].savesTo[0], /out\/dry-11\.mp4$/);

    // A content provider's document: VS Code opens it read-only.
    const shown = vscode.window.activeTextEditor?.document;
    assert.equal(shown?.uri.scheme, 'animatediff-dry-run');
    assert.equal(shown?.languageId, 'json');
    const text = shown?.getText() ?? '';
    assert.ok(!text.includes(TEST_KEY.split(':')[1]) && !text.includes(TEST_KEY.split(':')[0]), 'the key is nowhere in the dry run');
    assert.deepEqual((JSON.parse(text) as DryRunDocument).requests[1].body, dryRun.requests[1].body);
    assert.equal((await imitation().requests()).length, 0, 'nothing reached fal');

    // Its request as code, from the dry run's editor (the title bar's button acts on the active editor).
    const code = (await vscode.commands.executeCommand('animateDiff.copyDryRunAsCode', undefined, 'python')) as string;
    assert.equal(await vscode.env.clipboard.readText(), code);
    assert.match(code, /fal_client\.subscribe\(\n {4}"fal-ai\/fast-animatediff\/turbo\/text-to-video",/);
    assert.match(code, /"seed": 11,/);
    assert.match(code, /"num_frames": 12,/);
    assert.equal((await imitation().requests()).length, 0, 'still nothing sent');
  });

  it('New Parameter File writes a valid template with the defaults and opens it, prompt selected', async () => {
    const hooks = await freshState();
    const folder = vscode.Uri.file(testFolder('new-file'));
    hooks.interaction.script(/Name of the new parameter file/, 'sunrise');
    await withSettings({ 'defaults.numFrames': 20 }, async () => {
      const created = (await vscode.commands.executeCommand('animateDiff.newParamsFile', folder)) as vscode.Uri | undefined;
      assert.equal(created?.toString(), vscode.Uri.joinPath(folder, 'sunrise.animate.json').toString());
    });
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    const validation = validateParamsText(editor.document.getText());
    assert.deepEqual(validation.diagnostics, [], 'the template is valid as it is');
    const params = validation.params;
    assert.ok(params && 'num_frames' in params);
    assert.equal(params.num_frames, 20, 'filled with the configured defaults');
    assert.equal(editor.document.getText(editor.selection), validation.params?.prompt, 'the sample prompt is selected to be typed over');
  });
});

describe('parameter files: save dialogs', () => {
  it('a name typed without the suffix gets it, and an existing file of that name is only replaced when confirmed', async () => {
    const hooks = await freshState();
    const folder = testFolder('save-dialog');
    const existing = writeParams(folder, 'harbour.animate.json', { prompt: 'kept: a harbour at dawn' });
    const typed = vscode.Uri.file(path.join(folder, 'harbour'));

    assert.equal(await paramsTargetFromDialog(typed, hooks.interaction), undefined, 'dismissed: nothing is chosen');
    const asked = hooks.interaction.shown.find((m) => /harbour\.animate\.json already exists\. Replace it\?/.test(m.message));
    assert.ok(asked, 'the user is asked');
    assert.equal(asked.modal, true);
    assert.deepEqual(asked.actions, ['Replace']);

    hooks.interaction.script(/already exists\. Replace it\?/, 'Replace');
    assert.equal((await paramsTargetFromDialog(typed, hooks.interaction))?.toString(), existing.toString());
    const fresh = vscode.Uri.file(path.join(folder, 'lighthouse'));
    const questions = hooks.interaction.shown.length;
    assert.equal((await paramsTargetFromDialog(fresh, hooks.interaction))?.fsPath, path.join(folder, 'lighthouse.animate.json'));
    assert.equal(hooks.interaction.shown.length, questions, 'no question for a new name');
  });
});

describe('parameter files: runs', () => {
  afterEach(closeAllEditors);

  it('a run writes <name>-<seed>.mp4 and its result record under "output"; the record says exactly what fal received', async () => {
    const hooks = await freshState();
    const folder = testFolder('single-run');
    const uri = writeParams(folder, 'fox.animate.json', { prompt: 'a red fox running through fresh snow', seed: 1234, num_inference_steps: 6, output: 'renders' });
    await open(uri);
    const generate = (await lensesOf(uri)).find((l) => l.command?.title === '▶ Generate');
    assert.ok(generate?.command);
    const report = await withSettings({ 'defaults.numFrames': 20 }, async () =>
      (await vscode.commands.executeCommand(generate.command!.command, ...(generate.command!.arguments ?? []))) as ParamsRunReport);

    assert.equal(report.started, true);
    assert.equal(report.items.length, 1);
    const [item] = report.items;
    assert.equal(item.state, 'done', item.reason);
    const videoFile = path.join(folder, 'renders', 'fox-1234.mp4');
    const recordFile = path.join(folder, 'renders', 'fox-1234.result.json');
    assert.equal(vscode.Uri.parse(item.video ?? '').fsPath, videoFile);
    assert.ok(fs.readFileSync(videoFile).equals(fs.readFileSync(CLIP)), 'the saved video is byte for byte what fal served');

    const [job] = await imitation().jobs();
    const sent = await submits();
    assert.equal(sent.length, 1);
    const body = sent[0].body as Record<string, unknown>;
    assert.equal(body.num_frames, 20, 'an omitted field gets the configured default');
    assert.equal(body.num_inference_steps, 6);
    assert.equal(body.seed, 1234);
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(record.request, body, 'the record holds the request as sent');
    assert.equal(record.requestId, job.requestId);
    assert.equal(record.seed, job.seed);
    assert.equal(record.endpoint, 'fal-ai/fast-animatediff/turbo/text-to-video');
    assert.equal(record.parameterFile, '../fox.animate.json');
    assert.equal(record.parameterFileUnsaved, undefined, 'the file as saved was sent');
    const timings = record.timings as Record<string, unknown>;
    assert.equal(typeof timings.totalMs, 'number');
    assert.ok(!JSON.stringify(record).includes(TEST_KEY.split(':')[1]), 'no key in the record');
    assert.ok(fs.readdirSync(path.join(folder, 'renders')).every((name) => !name.includes('.part-')), 'no partial file left');
    assert.ok(resultRecordSchema.safeParse(record).success, 'the record has the documented format');

    // The panel plays it.
    assert.ok(item.generationId);
    assert.equal(hooks.panels.visibleGenerationId, item.generationId);
    await waitFor(() => hooks.panels.playbackOf(item.generationId!) !== undefined, 'the panel reports playback');
    assert.deepEqual(hooks.panels.playbackOf(item.generationId), { state: 'playing' });
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /Saved fox-1234\.mp4/.test(m.message)));
  });

  it('an existing result is never overwritten silently: declining sends nothing, "Keep Both" adds a number', async () => {
    const hooks = await freshState();
    const folder = testFolder('no-overwrite');
    const uri = writeParams(folder, 'boat.animate.json', { prompt: 'a paper boat on a rainy street', seed: 77 });
    const existing = path.join(folder, 'boat-77.mp4');
    fs.writeFileSync(existing, 'an earlier video');

    hooks.interaction.script(/already exists/, undefined);
    const declined = await run(uri);
    assert.equal(declined.started, false);
    assert.equal((await submits()).length, 0, 'declining sends nothing');
    const question = hooks.interaction.shown.find((m) => /boat-77\.mp4 already exists/.test(m.message));
    assert.ok(question?.modal);
    assert.deepEqual(question.actions, ['Keep Both', 'Replace']);

    hooks.interaction.script(/already exists/, 'Keep Both');
    const kept = await run(uri);
    assert.equal(kept.items[0].state, 'done', kept.items[0].reason);
    assert.equal(fs.readFileSync(existing, 'utf8'), 'an earlier video', 'the earlier file is untouched');
    assert.ok(fs.readFileSync(path.join(folder, 'boat-77-2.mp4')).equals(fs.readFileSync(CLIP)));
    assert.ok(fs.existsSync(path.join(folder, 'boat-77-2.result.json')));

    hooks.interaction.script(/already exist/, 'Replace');
    const replaced = await run(uri);
    assert.equal(replaced.items[0].state, 'done', replaced.items[0].reason);
    assert.ok(fs.readFileSync(existing).equals(fs.readFileSync(CLIP)), 'replaced when the user said so');
  });

  it('a batch runs in parallel up to animateDiff.batch.concurrency and shows a live grid', async () => {
    const hooks = await freshState();
    await imitation().configure({ timing: { queuePositions: 0, queueMs: 0, processingMs: 1200 } });
    const folder = testFolder('batch');
    const uri = writeParams(folder, 'four.animate.json', { prompt: 'ocean waves on black rocks at sunset', variations: 5 });
    // What the grid showed each time a job changed state.
    const gridSizes: number[] = [];
    const watching = hooks.service.onDidChangeJobs(() => gridSizes.push(hooks.panels.shownGenerationIds.length));
    const report = await withSettings({ 'batch.concurrency': 2 }, () => run(uri)).finally(() => watching.dispose());
    assert.equal(report.items.length, 5);
    assert.deepEqual(report.items.map((i) => i.state), ['done', 'done', 'done', 'done', 'done'], report.items.map((i) => i.reason).join(' | '));
    const stats = await imitation().stats();
    assert.equal(stats.jobsSubmitted, 5);
    assert.ok(stats.maxConcurrentInProgress <= 2, `at most 2 at once (saw ${stats.maxConcurrentInProgress})`);
    assert.ok(stats.maxConcurrentInProgress > 1, 'jobs did run in parallel');
    const seeds = new Set(report.items.map((i) => i.seed));
    assert.equal(seeds.size, 5, 'five different seeds');
    for (const item of report.items) {
      assert.ok(fs.existsSync(path.join(folder, `four-${item.seed}.mp4`)));
      assert.equal(readJson(item.record ?? '').seed, item.seed);
    }
    assert.deepEqual([...hooks.panels.shownGenerationIds].sort(), report.items.map((i) => i.generationId).sort(), 'the grid shows all five');
    assert.ok(gridSizes.some((size) => size > 0 && size < 5), `the grid filled in as videos finished (${[...new Set(gridSizes)].join(',')})`);
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /All 5 videos generated/.test(m.message)));

    // Deleting one of them from the history takes its tile out of the grid; the others stay.
    const [deleted, ...kept] = report.items.map((i) => i.generationId!);
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.delete', deleted), 1);
    assert.deepEqual([...hooks.panels.shownGenerationIds].sort(), kept.sort());
  });

  it('several files from the Explorer run as one batch; one failure does not stop the others and the summary says why', async () => {
    const hooks = await freshState();
    await imitation().addFault({ at: 'submit', kind: 'http', status: 500, match: { promptIncludes: 'lighthouse' } });
    const folder = testFolder('multi-file');
    const good = writeParams(folder, 'cabin.animate.json', { prompt: 'a cozy cabin in the mountains', seed: 3 });
    const failing = writeParams(folder, 'lighthouse.animate.json', { prompt: 'a lighthouse in a storm', seed: 4 });
    const invalid = writeParams(folder, 'broken.animate.json', { prompt: 'a broken file', fps: 0 });
    // The Explorer passes the clicked file and the whole selection.
    const report = await run(good, [good, failing, invalid]);
    const byFile = new Map(report.items.map((i) => [path.basename(vscode.Uri.parse(i.file).fsPath), i]));
    assert.equal(byFile.get('cabin.animate.json')?.state, 'done');
    assert.equal(byFile.get('lighthouse.animate.json')?.state, 'failed');
    assert.equal(byFile.get('broken.animate.json')?.state, 'skipped');
    assert.ok(fs.existsSync(path.join(folder, 'cabin-3.mp4')));
    const summary = hooks.interaction.shown.find((m) => /1 of 2 videos generated/.test(m.message));
    assert.ok(summary, hooks.interaction.shown.map((m) => m.message).join('\n'));
    assert.match(summary.message, /lighthouse\.animate\.json · seed 4 failed — fal had a server problem \(500/);
    assert.ok(hooks.interaction.shown.some((m) => /Not run: broken\.animate\.json has an error/.test(m.message)), 'the invalid file is named');
    assert.ok(ourDiagnostics(invalid).length > 0, 'its problems are in the Problems panel although it is not open');
  });

  it('a local video_url is uploaded to fal storage and the request carries the storage URL', async () => {
    await freshState();
    const folder = testFolder('upload');
    fs.mkdirSync(path.join(folder, 'clips'));
    fs.copyFileSync(CLIP, path.join(folder, 'clips', 'source.mp4'));
    const uri = writeParams(folder, 'restyle.animate.json', {
      endpoint: 'fal-ai/fast-animatediff/turbo/video-to-video',
      video_url: 'clips/source.mp4',
      prompt: 'the same scene as a neon city at night',
      seed: 9,
    });
    const report = await run(uri);
    assert.equal(report.items[0]?.state, 'done', report.items[0]?.reason);
    const uploads = await imitation().uploads();
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0].fileName, 'source.mp4');
    assert.equal(uploads[0].contentType, 'video/mp4');
    assert.equal(uploads[0].size, fs.statSync(CLIP).size);
    const [sent] = await submits();
    assert.equal((sent.body as Record<string, unknown>).video_url, uploads[0].fileUrl);
    const record = readJson(report.items[0].record ?? '');
    assert.deepEqual(record.upload, { file: 'clips/source.mp4', url: uploads[0].fileUrl });
  });

  it('a video_url or output outside the workspace is refused clearly, at the key, and nothing is sent', async () => {
    const hooks = await freshState();
    const folder = testFolder('refused');
    const outsideVideo = writeParams(folder, 'outside.animate.json', {
      endpoint: 'fal-ai/fast-animatediff/turbo/video-to-video',
      video_url: '../../../../outside.mp4',
      prompt: 'a restyle',
    });
    const outsideOutput = writeParams(folder, 'elsewhere.animate.json', { prompt: 'a fox', output: '../../../elsewhere' });
    for (const [uri, key] of [[outsideVideo, 'video_url'], [outsideOutput, 'output']] as const) {
      const { document } = await open(uri);
      const report = await run(uri);
      assert.equal(report.started, false);
      assert.match(report.reason ?? '', /outside the workspace/);
      assert.ok(hooks.interaction.shown.some((m) => m.kind === 'error' && /outside the workspace/.test(m.message)));
      const problem = ourDiagnostics(uri).find((d) => /outside the workspace/.test(d.message));
      assert.ok(problem, `a problem on ${key}`);
      const value = document.getText().indexOf(`"${key}": `) + `"${key}": `.length;
      assert.equal(document.offsetAt(problem.range.start), value, `the problem is at the ${key} value`);
    }
    assert.equal((await imitation().requests()).length, 0, 'nothing reached fal');
  });

  it('in Restricted Mode the run asks before spending or uploading; declining sends nothing', async () => {
    const hooks = await freshState();
    const folder = testFolder('restricted');
    fs.copyFileSync(CLIP, path.join(folder, 'input.mp4'));
    const uri = writeParams(folder, 'restyle.animate.json', {
      endpoint: 'fal-ai/fast-animatediff/turbo/video-to-video',
      video_url: 'input.mp4',
      prompt: 'as a watercolor painting',
      seed: [1, 2],
    });
    hooks.trust.override = false;
    try {
      hooks.interaction.script(/Restricted Mode/, undefined);
      const declined = await run(uri);
      assert.equal(declined.started, false);
      const question = hooks.interaction.shown.find((m) => /Restricted Mode/.test(m.message));
      assert.ok(question?.modal, 'a modal question');
      assert.match(question.message, /2 videos spends fal credits and uploads .*input\.mp4/);
      assert.match(question.detail ?? '', /Sent to the local fal imitation at http:\/\/127\.0\.0\.1:\d+ \(sandbox\), endpoint fal-ai\/fast-animatediff\/turbo\/video-to-video/, 'it names where the request goes');
      assert.equal((await imitation().requests()).length, 0, 'no upload, no submit');

      hooks.interaction.script(/Restricted Mode/, 'Generate');
      const accepted = await run(uri);
      assert.deepEqual(accepted.items.map((i) => i.state), ['done', 'done']);
      assert.equal((await imitation().uploads()).length, 1, 'uploaded once for both seeds');
      assert.equal(hooks.interaction.shown.filter((m) => /Restricted Mode/.test(m.message)).length, 2, 'asked once per run, not per video');
    } finally {
      hooks.trust.override = undefined;
    }
  });

  it('a run of more videos than animateDiff.batch.confirmAbove asks first, naming the count; the status bar counts paid videos', async () => {
    const hooks = await freshState();
    const folder = testFolder('spend-guard');
    const uri = writeParams(folder, 'many.animate.json', { prompt: 'lanterns drifting over a lake', variations: 3 });
    const paidBefore = hooks.service.paidJobsStarted;
    await withSettings({ 'batch.confirmAbove': 2 }, async () => {
      hooks.interaction.script(/Generate 3 videos\?/, undefined);
      const declined = await run(uri);
      assert.equal(declined.started, false);
      const question = hooks.interaction.shown.find((m) => /Generate 3 videos\? Each one is a paid fal job\./.test(m.message));
      assert.ok(question?.modal, 'a modal question');
      assert.deepEqual(question.actions, ['Generate 3 Videos']);
      assert.equal((await submits()).length, 0, 'declining sends nothing');

      hooks.interaction.script(/Generate 3 videos\?/, 'Generate 3 Videos');
      const accepted = await run(uri);
      assert.deepEqual(accepted.items.map((i) => i.state), ['done', 'done', 'done']);
    });
    assert.equal(hooks.service.paidJobsStarted, paidBefore + 3);
    assert.match(hooks.spend.text, new RegExp(`\\$\\(credit-card\\) ${paidBefore + 3} videos`));

    // At or under the limit nothing is asked.
    const asked = hooks.interaction.shown.length;
    const one = writeParams(folder, 'one.animate.json', { prompt: 'a single lantern' });
    assert.equal((await run(one)).items.length, 1);
    assert.ok(!hooks.interaction.shown.slice(asked).some((m) => /paid fal job/.test(m.message)));
  });

  it("fal's 422 is mapped back onto the file at the offending key", async () => {
    const hooks = await freshState();
    await imitation().addFault({
      at: 'result',
      kind: 'http',
      status: 422,
      body: { detail: [{ loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 24', type: 'less_than_equal', ctx: { le: 24 } }] },
    });
    const uri = writeParams(testFolder('fal-422'), 'long.animate.json', '{\n  "prompt": "a long video",\n  "num_frames": 32\n}\n');
    const { document } = await open(uri);
    const report = await run(uri);
    assert.equal(report.items[0].state, 'failed');
    await waitFor(() => ourDiagnostics(uri).some((d) => /fal rejected/.test(d.message)), 'fal\'s problem on the file');
    const problem = ourDiagnostics(uri).find((d) => /fal rejected/.test(d.message));
    assert.equal(showRange(problem!.range), showRange(rangeOf(document, '32')));
    assert.match(problem!.message, /less than or equal to 24/);
    const said = hooks.interaction.shown.find((m) => m.kind === 'error' && /long\.animate\.json/.test(m.message));
    assert.deepEqual(said?.actions, ['Show Problem', 'Open Log']);
    // fal's bound makes the fix obvious; applying it retires fal's verdict on the old text.
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, problem!.range, vscode.CodeActionKind.QuickFix.value);
    const clamp = actions.find((action) => action.title === "Use fal's maximum, 24");
    assert.ok(clamp?.edit, `a fix from fal's bound (offered: ${actions.map((a) => a.title).join(', ')})`);
    assert.ok(await vscode.workspace.applyEdit(clamp.edit));
    assert.match(document.getText(), /"num_frames": 24/);
    await waitFor(() => !ourDiagnostics(uri).some((d) => /fal rejected/.test(d.message)), 'fal\'s problem retired by the edit');
  });

  it('Save Parameters writes the exact request as a file that reproduces it', async () => {
    await freshState();
    const folder = testFolder('save-params');
    const uri = writeParams(folder, 'kyoto.animate.json', { prompt: 'cherry blossoms over a river', variations: 1, motions: ['pan-left'] });
    const report = await run(uri);
    const [item] = report.items;
    assert.equal(item.state, 'done', item.reason);
    const target = vscode.Uri.file(path.join(folder, 'again.animate.json'));
    const saved = (await vscode.commands.executeCommand('animateDiff.saveParameters', item.generationId, target)) as vscode.Uri;
    assert.equal(saved.toString(), target.toString());
    const [sent] = await submits();
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.equal(text, renderParamsFromRequest('fal-ai/fast-animatediff/turbo/text-to-video', sent.body as Record<string, unknown>));
    const validation = validateParamsText(text);
    assert.deepEqual(validation.diagnostics, []);
    assert.equal(validation.params?.seed, item.seed, 'the seed is in the file');

    const again = await run(target);
    const submitted = await submits();
    assert.equal(again.items[0].state, 'done');
    assert.deepEqual(submitted[1].body, submitted[0].body, 'running the saved file sends the same request');
  });

  it('Cancel on a running file stops what has not started and cancels the rest at fal', async () => {
    const hooks = await freshState();
    await imitation().addFault({ at: 'submit', kind: 'neverFinish', times: 10 });
    const uri = writeParams(testFolder('cancel'), 'slow.animate.json', { prompt: 'a slow sunrise', variations: 3 });
    await open(uri);
    const running = withSettings({ 'batch.concurrency': 1 }, () => run(uri));
    await waitFor(async () => (await imitation().jobs()).some((j) => j.status === 'IN_PROGRESS'), 'the first job runs');
    const lenses = await lensesOf(uri);
    assert.match(lenses[0].command?.title ?? '', /Generating/);
    const cancel = lenses.find((l) => l.command?.title === 'Cancel');
    assert.ok(cancel?.command);
    await vscode.commands.executeCommand(cancel.command.command, ...(cancel.command.arguments ?? []));
    const report = await running;
    assert.deepEqual(report.items.map((i) => i.state), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal((await imitation().jobs()).length, 1, 'the other two were never submitted');
    assert.equal((await imitation().jobs())[0].cancelRequested, true);
    assert.ok(hooks.interaction.shown.some((m) => /cancelled/.test(m.message)));
    assert.deepEqual((await lensesOf(uri)).map((l) => l.command?.title), ['▶ Generate 3 variations', 'Dry run']);
  });

  it('the palette\'s Cancel Generation offers to stop a whole batch, not only the video that runs', async () => {
    const hooks = await freshState();
    await imitation().addFault({ at: 'submit', kind: 'neverFinish', times: 10 });
    const uri = writeParams(testFolder('cancel-palette'), 'queue.animate.json', { prompt: 'a slow tide', variations: 3 });
    const running = withSettings({ 'batch.concurrency': 1 }, () => run(uri));
    await waitFor(async () => (await imitation().jobs()).some((j) => j.status === 'IN_PROGRESS'), 'the first job runs');
    hooks.interaction.script(/Cancel which generation/, '$(close-all) All of queue.animate.json');
    assert.equal(await vscode.commands.executeCommand('animateDiff.cancelGeneration'), true);
    const offered = hooks.interaction.shown.find((m) => m.kind === 'quickPick');
    assert.equal(offered?.actions.length, 2, 'the batch and its running video');
    const report = await running;
    assert.deepEqual(report.items.map((i) => i.state), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal((await imitation().jobs()).length, 1, 'nothing more was started');
  });

  it('a run uses the editor\'s unsaved text, and its result record says the file on disk differs', async () => {
    await freshState();
    const folder = testFolder('unsaved');
    const uri = writeParams(folder, 'draft.animate.json', { prompt: 'a paper boat', seed: 12 });
    const editor = await open(uri);
    await editor.edit((edit) => edit.replace(rangeOf(editor.document, 'a paper boat'), 'a paper boat in the rain'));
    assert.ok(editor.document.isDirty);
    const [item] = (await run(uri)).items;
    assert.equal(item.state, 'done', item.reason);
    const [sent] = await submits();
    assert.equal((sent.body as Record<string, unknown>).prompt, 'a paper boat in the rain');
    const record = readJson(item.record ?? '');
    assert.equal(record.parameterFileUnsaved, true);
    assert.deepEqual(record.request, sent.body);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a second Generate on a file that is still starting is refused; only one run is sent', async () => {
    const hooks = await freshState();
    const uri = writeParams(testFolder('double-click'), 'twice.animate.json', { prompt: 'a spinning top on a wooden table', seed: 5 });
    const [first, second] = await Promise.all([run(uri), run(uri)]);
    assert.equal(first.started, true);
    assert.equal(first.items[0].state, 'done', first.items[0].reason);
    assert.deepEqual(second, { started: false, reason: 'already running', items: [] });
    assert.ok(hooks.interaction.shown.some((m) => /twice\.animate\.json is still starting/.test(m.message)));
    assert.equal((await submits()).length, 1, 'one paid generation');
  });

  it('a file that is not saved on disk is refused before anything is sent', async () => {
    const hooks = await freshState();
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse('untitled:draft.animate.json'));
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '{ "prompt": "a kite over the dunes", "seed": 3 }\n'));
    const report = await run(document.uri);
    assert.equal(report.started, false);
    const said = hooks.interaction.shown.find((m) => m.kind === 'error');
    assert.match(said?.message ?? '', /draft\.animate\.json: results are written beside the file, but it has not been saved yet\. Save it in a local folder to generate from it\. Nothing was sent\./);
    assert.deepEqual(await imitation().requests(), [], 'nothing reached fal');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a video that was generated but could not be saved is shown anyway, with Save Video… rather than a paid Retry', async () => {
    const hooks = await freshState();
    const folder = testFolder('save-fails');
    // "renders" is a file, so the output folder cannot be created.
    fs.writeFileSync(path.join(folder, 'renders'), 'not a folder');
    const uri = writeParams(folder, 'blocked.animate.json', { prompt: 'a lighthouse in a storm', seed: 8, output: 'renders' });
    const report = await run(uri);
    const [item] = report.items;
    assert.equal(item.state, 'failed');
    assert.match(item.reason ?? '', /Generated \(fal request .+\), but the video could not be saved/);
    assert.ok(item.generationId);
    assert.equal(hooks.panels.visibleGenerationId, item.generationId, 'the panel shows the video');
    const said = hooks.interaction.shown.find((m) => m.kind === 'error' && /blocked\.animate\.json/.test(m.message));
    assert.match(said?.message ?? '', /[^.]\. A copy is in the AnimateDiff history\.$/);
    assert.deepEqual(said?.actions, ['Save Video…', 'Open Log']);
  });

  it('a panel closed during a batch stays closed until the batch is done, then shows the results', async () => {
    const hooks = await freshState();
    await imitation().configure({ timing: { queuePositions: 0, queueMs: 0, processingMs: 800 } });
    const uri = writeParams(testFolder('closed-panel'), 'three.animate.json', { prompt: 'lanterns on a lake', variations: 3 });
    const running = withSettings({ 'batch.concurrency': 1 }, () => run(uri));
    await waitFor(async () => (await imitation().jobs()).some((j) => j.status === 'IN_PROGRESS'), 'the first job runs');
    assert.ok(hooks.panels.isOpen, 'the grid is open');
    const panelTabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
    await waitFor(() => panelTabs().length > 0, 'the grid\'s tab');
    await vscode.window.tabGroups.close(panelTabs());
    await waitFor(() => !hooks.panels.isOpen, 'the panel to close');
    // Every job change while the batch runs would have brought the grid back.
    const reopenedWhileRunning: boolean[] = [];
    const watching = hooks.service.onDidChangeJobs(() => reopenedWhileRunning.push(hooks.panels.isOpen));
    const report = await running.finally(() => watching.dispose());
    assert.deepEqual(report.items.map((i) => i.state), ['done', 'done', 'done']);
    assert.ok(reopenedWhileRunning.length > 0);
    assert.ok(reopenedWhileRunning.every((open) => !open), 'the grid did not come back while the batch ran');
    assert.ok(hooks.panels.isOpen, 'the results show at the end');
    assert.equal(hooks.panels.shownGenerationIds.length, 3);
  });
});
