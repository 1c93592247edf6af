/**
 * One cold start of the product, as a process of its own: the stub vscode module, then the production bundle's
 * activation (dist/extension.js) and the first key press — Generate Video from Selection — until the video panel
 * has the video. Prints one JSON line with what it measured, then exits.
 *
 *   node out/bench/cold/productProcess.js <globalStorage> <workspace>   (ANIMATEDIFF_FAL_SANDBOX_URL and FAL_KEY set)
 */
import { installVscodeStub, REPO_ROOT, StubTextDocument, StubTextEditor, StubUri } from '../support/vscodeStub';
import * as path from 'node:path';

const stub = installVscodeStub();

interface Extension {
  activate(context: unknown): unknown;
}

async function main(): Promise<void> {
  const [globalStorage, workspace] = process.argv.slice(2);
  const context = stub.context({ extensionPath: REPO_ROOT, globalStorage, logs: path.join(globalStorage, '..', 'logs') });
  stub.workspaceFolders = [{ uri: StubUri.file(workspace), name: 'bench', index: 0 }];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(path.join(REPO_ROOT, 'dist', 'extension.js')) as Extension;
  extension.activate(context);
  const activatedAt = performance.now();
  const prompt = process.env.BENCH_PROMPT ?? 'a red fox running through fresh snow';
  const document = new StubTextDocument(StubUri.file(path.join(workspace, 'prompts.md')), `${prompt}\n`, 'markdown');
  stub.activeTextEditor = new StubTextEditor(document, { start: 0, end: prompt.length });
  const commands = stub.module.commands as { executeCommand(id: string, ...args: unknown[]): Promise<unknown> };
  const outcome = await commands.executeCommand('animateDiff.generateFromSelection') as { kind: string; record?: { id: string; requestId: string } };
  if (outcome.kind !== 'done' || !outcome.record) {
    throw new Error(`the generation did not finish: ${JSON.stringify(outcome)}`);
  }
  const { id } = outcome.record;
  if (!stub.panels.some((panel) => panel.webview.html.includes(id) || JSON.stringify(panel.webview.posted).includes(id))) {
    throw new Error('the video panel was not given the video');
  }
  process.stdout.write(`${JSON.stringify({
    done: true,
    requestId: outcome.record.requestId,
    activatedAtMs: activatedAt,
    endedAtMs: performance.now(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
