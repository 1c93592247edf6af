import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { canFollowAgain } from '../../../src/history/records';
import type { FalFailureKind } from '../../../src/model/failure';
import type { GenerationOutcome } from '../../../src/model/generation';
import type { ParamsRunReport } from '../../../src/runs/runReport';
import type { FaultRecord, JobRecord, RequestRecord } from '../../fal-imitation/types';
import { armedStage, faultSpecs, type Case } from './cases';
import { FakeUri, outbound } from './fakeVscode';
import { FIXTURE_VIDEO, SEED, T2V, until, V2V, World, type EarlierFiles, type ForeignOrigin, type Product } from './world';

/** Longest a case may take, deadlines and retries included; a case still going then has hung. */
export const CASE_CEILING_MS = 45_000;

/** What a case did and what of it was wrong. */
export interface CaseResult {
  name: string;
  /** How the job ended, in a word or two (for the report). */
  outcome: string;
  problems: string[];
  ms: number;
  /** The case's key, to look for it once more after every case has ended. */
  key: string;
  /** Every text the case showed or logged, as of now (a late log line counts too). */
  texts(): string[];
}

/** How the flow ended, as the product reported it. */
type Ending =
  | { flow: 'generation'; outcome: GenerationOutcome }
  | { flow: 'params'; report: ParamsRunReport };

/** What the case's imitation saw, taken before it closes. */
interface FalSide {
  jobs: JobRecord[];
  requests: RequestRecord[];
  faults: FaultRecord[];
}

const PROMPT = 'a lighthouse in a storm, waves breaking';

export async function runCase(product: Product, c: Case, index: number, origins: { foreign: ForeignOrigin; refusing: string }): Promise<CaseResult> {
  const started = Date.now();
  const world = await World.create(product, String(index), origins.refusing);
  const problems: string[] = [];
  let ending: Ending | undefined;
  let fal: FalSide = { jobs: [], requests: [], faults: [] };
  let earlier: EarlierFiles | undefined;
  const foreignBefore = origins.foreign.requests.length;
  try {
    const params = c.flow === 'paramsUpload' || c.flow === 'paramsVideo' ? await writeParamsFile(world, c.flow) : undefined;
    earlier = await world.makeEarlierFiles(params?.outputs);
    for (const spec of faultSpecs(c, { foreign: origins.foreign.url, refusing: origins.refusing })) {
      world.imitation.addFault(spec);
    }
    if (c.fault === 'refused' && c.call !== 'video') {
      world.refusal.stages.add(c.call);
    }
    ending = await withCeiling(drive(world, c, params?.file), CASE_CEILING_MS, c.name);
    // Fire-and-forget changes (queue position, state) reach the disk before it is looked at.
    await (await world.storage.ready())?.flush();
  } catch (error) {
    problems.push(...named('no hang', [`the case did not end cleanly: ${error instanceof Error ? error.message : String(error)}`]));
  } finally {
    fal = { jobs: world.imitation.jobs(), requests: world.imitation.requests(), faults: world.imitation.faults() };
    await world.dispose();
  }
  if (ending && earlier) {
    problems.push(...named('the fault was met', faultExercised(c, world, fal)));
    problems.push(...named('one clear message that says what to do', messages(world, ending)));
    problems.push(...named('one charge per click', money(c, ending, fal)));
    problems.push(...named('no lost result', await noLostResult(product, world, ending, fal)));
    problems.push(...named('nothing half-written, earlier files intact', await filesOnDisk(world, earlier, ending)));
    problems.push(...named('the history consistent', await history(product, world, earlier, ending)));
  }
  const texts = () => [
    ...world.recording.shown.map((shown) => [shown.message, ...shown.actions].join(' | ')),
    ...world.log.lines,
  ];
  problems.push(...named('the key in no text', await keyNowhere(world, texts(), origins.foreign, foreignBefore)));
  await world.remove();
  return { name: c.name, outcome: describe(ending), problems, ms: Date.now() - started, key: world.key, texts };
}

/** The invariants a case holds; each problem names the one it breaks. */
export type Invariant =
  | 'no hang'
  | 'the fault was met'
  | 'one clear message that says what to do'
  | 'one charge per click'
  | 'no lost result'
  | 'nothing half-written, earlier files intact'
  | 'the history consistent'
  | 'the key in no text';

function named(invariant: Invariant, problems: readonly string[]): string[] {
  return problems.map((problem) => `${invariant}: ${problem}`);
}

function describe(ending: Ending | undefined): string {
  if (!ending) {
    return 'no ending';
  }
  if (ending.flow === 'generation') {
    const { outcome } = ending;
    return outcome.kind === 'failed' ? `failed (${outcome.failure.kind})` : outcome.kind;
  }
  const item = ending.report.items[0];
  return item ? `${item.state}${item.generationId ? ' (generated)' : ''}` : `not started: ${ending.report.reason ?? '?'}`;
}

function withCeiling<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ceiling = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was still going after ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, ceiling]).finally(() => clearTimeout(timer));
}

async function writeParamsFile(world: World, flow: 'paramsUpload' | 'paramsVideo'): Promise<{ file: string; outputs: { video: string; record: string } }> {
  const stem = flow === 'paramsUpload' ? 'restyle' : 'lighthouse';
  const file = path.join(world.workspace, `${stem}.animate.json`);
  const params = flow === 'paramsUpload'
    ? { endpoint: V2V, video_url: './input.mp4', prompt: `${PROMPT}, as a neon city`, strength: 0.6, first_n_seconds: 2, seed: SEED }
    : { endpoint: T2V, prompt: PROMPT, num_frames: 16, num_inference_steps: 4, seed: SEED };
  if (flow === 'paramsUpload') {
    await fsp.writeFile(path.join(world.workspace, 'input.mp4'), FIXTURE_VIDEO);
  }
  await fsp.writeFile(file, `${JSON.stringify(params, null, 2)}\n`);
  return { file, outputs: { video: path.join(world.workspace, `${stem}-${SEED}.mp4`), record: path.join(world.workspace, `${stem}-${SEED}.result.json`) } };
}

async function drive(world: World, c: Case, paramsFile: string | undefined): Promise<Ending> {
  const { service } = world;
  if (paramsFile) {
    return { flow: 'params', report: await world.runner.run([FakeUri.file(paramsFile) as unknown as vscode.Uri]) };
  }
  const generating = world.product.promptGeneration.generateFromPrompt(service, world.interaction, `${PROMPT} (${c.name})`, 'prompt');
  if (c.flow !== 'cancel') {
    return { flow: 'generation', outcome: await generating };
  }
  const running = () => service.runningJobs.find((job) => job.requestId !== undefined && job.state === 'running');
  // A job that fails before it runs (it cannot here: fal's calls until then are healthy) would end the wait too.
  const ended = generating.then(() => true);
  let over = false;
  void ended.then(() => {
    over = true;
  });
  await until(() => running() !== undefined || over, 'the job running at fal', 20_000, (listener) => service.onDidChangeJobs(listener));
  const job = running();
  if (job) {
    service.cancel(job.id);
  }
  const outcome = await generating;
  // fal's cancel goes out in the background; the case ends when its outcome is logged.
  await until(() => world.log.lines.some((line) => /cancelled by the user \(fal: |did not get there/.test(line)), 'the logged outcome of fal\'s cancel', 30_000, (listener) => world.log.onLine(listener));
  return { flow: 'generation', outcome };
}

/** The case tested what it says: its fault met the requests it was armed for. */
function faultExercised(c: Case, world: World, fal: FalSide): string[] {
  if (c.fault === 'refused' && c.call !== 'video') {
    return world.refusal.count > 0 ? [] : [`no ${c.call} call was refused: the fault was never met`];
  }
  const armed = fal.faults.filter((fault) => fault.at === armedStage(c));
  const last = armed[armed.length - 1];
  return last && last.hits > 0 ? [] : [`the ${c.call} fault was never met (${JSON.stringify(armed.map((f) => [f.at, f.kind, f.hits]))})`];
}

function failed(ending: Ending): boolean {
  return ending.flow === 'generation' ? ending.outcome.kind === 'failed' : ending.report.items.some((item) => item.state === 'failed');
}

/** At most one message about a problem, exactly one when the job failed, and every message clear. */
function messages(world: World, ending: Ending): string[] {
  const problems: string[] = [];
  const shown = world.recording.shown;
  const about = shown.filter((message) => message.kind === 'error' || (message.kind === 'warning' && !message.modal));
  if (failed(ending) && about.length !== 1) {
    problems.push(`the job failed and ${about.length} messages said so: ${JSON.stringify(about.map((m) => m.message))}`);
  } else if (about.length > 1) {
    problems.push(`${about.length} messages about one job: ${JSON.stringify(about.map((m) => m.message))}`);
  }
  for (const message of shown) {
    const unclear = unclearness(message.message);
    if (unclear) {
      problems.push(`unclear message (${unclear}): ${JSON.stringify(message.message)}`);
    }
  }
  for (const message of about) {
    if (!saysWhatToDo(message.message, message.actions)) {
      problems.push(`the message does not say what to do: ${JSON.stringify([message.message, ...message.actions].join(' | '))}`);
    }
  }
  return problems;
}

/** Words that tell the user what to do next, in the product's messages. */
const WHAT_TO_DO = /\b(retry|check|set|top up|rephrase|fix|wait|see|raise|open|try|ask for|save)\b/i;

/** A message about a problem says what to do: in its words, or with a button that does something (not just the log). */
export function saysWhatToDo(text: string, actions: readonly string[]): boolean {
  return WHAT_TO_DO.test(text) || actions.some((action) => action !== 'Open Log');
}

/** Why a message is not one a person can read, or undefined. */
export function unclearness(text: string): string | undefined {
  if (text.trim() === '') {
    return 'empty';
  }
  if (/\[object \w+\]/.test(text)) {
    return 'an object printed as [object …]';
  }
  if (/\n\s+at |\bat [\w.<>]+ \(.*:\d+:\d+\)/.test(text)) {
    return 'a stack trace';
  }
  if (/[{[]\s*"[^"]*"\s*:/.test(text)) {
    return 'raw JSON';
  }
  if (/<\/?(html|head|body|h1|p|div|title)\b[^>]*>/i.test(text)) {
    return 'HTML markup';
  }
  if (/\b(undefined|NaN)\b/.test(text)) {
    return 'a missing value printed';
  }
  if (/\b(TypeError|SyntaxError|RangeError|AbortError|DOMException)\b/.test(text)) {
    return 'a JavaScript error name';
  }
  if (/in JSON at position|Unexpected (token|end of JSON)|is not valid JSON|\bInvalid URL\b/.test(text)) {
    return "a parser's words";
  }
  return undefined;
}

/** No second paid submit, and a job fal may have started is never left unsaid. */
function money(c: Case, ending: Ending, fal: FalSide): string[] {
  const problems: string[] = [];
  // Every submit that reached fal may have been charged, unless fal refused it without queueing (429).
  const received = fal.requests.filter((request) => request.stage === 'submit' && request.responseStatus !== 429);
  if (fal.jobs.length > 1 || received.length > 1) {
    problems.push(`fal received ${received.length} submits it may have charged for one click (${fal.jobs.length} jobs ran): ${JSON.stringify(received.map((request) => [request.responseStatus, request.fault]))}`);
  }
  if (ending.flow === 'generation') {
    const { outcome } = ending;
    if (outcome.kind === 'done' && fal.jobs.length !== 1) {
      problems.push(`done, but fal ran ${fal.jobs.length} jobs`);
    }
    if (outcome.kind === 'failed' && fal.jobs.length === 1 && outcome.failure.details.requestId === undefined && c.call === 'submit'
      && outcome.failure.kind !== 'ambiguous') {
      problems.push(`fal started (and bills) a job the user was not told about: the failure is "${outcome.failure.kind}", not "ambiguous"`);
    }
  }
  return problems;
}

/**
 * Failures in which the extension did not hear fal's word on the job (it could not reach fal, or not read it, or gave
 * up waiting): fal may have made the video meanwhile. The others are fal's own answer about the job or the request.
 */
const FAL_NOT_HEARD: readonly FalFailureKind[] = ['network', 'timeout', 'unknown', 'server', 'rateLimit', 'proxy'];

/** When fal made the video, the outcome has it, or says how to get it without paying again. */
async function noLostResult(product: Product, world: World, ending: Ending, fal: FalSide): Promise<string[]> {
  const made = fal.jobs.find((job) => job.videoUrl !== null);
  if (!made) {
    return [];
  }
  const problems: string[] = [];
  const about = world.recording.shown.filter((message) => message.kind === 'error' || (message.kind === 'warning' && !message.modal));
  const { store } = await product.historyStore.HistoryStore.open(world.historyFolder);
  try {
    const entry = store.list().find((candidate) => candidate.requestId === made.requestId);
    if (ending.flow === 'generation') {
      const { outcome } = ending;
      if (outcome.kind !== 'failed' || !FAL_NOT_HEARD.includes(outcome.failure.kind)) {
        return [];
      }
      if (outcome.failure.details.requestId !== made.requestId) {
        problems.push(`the failure (${outcome.failure.kind}) does not keep fal's request id`);
      }
      const [message] = about;
      if (message && !message.message.includes(made.requestId)) {
        problems.push(`the message does not name fal's request: ${JSON.stringify(message.message)}`);
      }
      if (message?.actions.includes('Retry')) {
        problems.push('the message offers a Retry that pays again for a video fal may have made');
      }
      if (!entry || !canFollowAgain(entry)) {
        problems.push(`the history cannot check fal again for it (${entry ? `${entry.status}, ${entry.error?.kind ?? 'no error'}` : 'no entry'})`);
      }
    } else {
      const item = ending.report.items[0];
      if (item?.state === 'done') {
        return [];
      }
      if (!item?.generationId) {
        problems.push(`fal made the video, but the run says it was not generated (${item?.state ?? 'no item'})`);
      }
      if (!entry || entry.status !== 'done' || !entry.remoteVideoUrl) {
        problems.push(`the history does not keep the video's URL (${entry ? entry.status : 'no entry'})`);
      }
      if (!about.some((message) => message.actions.includes('Save Video…'))) {
        problems.push(`no message offers Save Video…: ${JSON.stringify(about.map((message) => message.message))}`);
      }
    }
  } finally {
    store.dispose();
  }
  return problems;
}

/** Every file under `folder` (relative paths). */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await fsp.readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
}

/** Nothing half-written anywhere, the earlier files as they were, and a saved video whole. */
async function filesOnDisk(world: World, earlier: EarlierFiles, ending: Ending): Promise<string[]> {
  const problems: string[] = [];
  const all = await filesUnder(world.folder);
  const halfWritten = all.filter((file) => /\.part-|\.tmp-|\.partial\b/.test(path.basename(file)));
  if (halfWritten.length > 0) {
    problems.push(`half-written files left: ${halfWritten.join(', ')}`);
  }
  const item = ending.flow === 'params' ? ending.report.items[0] : undefined;
  for (const [file, bytes] of earlier.bytes) {
    const replacedByChoice = item?.state === 'done' && earlier.outputs.includes(file);
    const now = await fsp.readFile(file).catch(() => undefined);
    if (replacedByChoice) {
      continue;
    }
    if (!now || !now.equals(bytes)) {
      problems.push(`the earlier file ${path.relative(world.folder, file)} was ${now ? 'changed' : 'removed'}`);
    }
  }
  if (ending.flow === 'params') {
    const expected = new Set(['restyle.animate.json', 'lighthouse.animate.json', 'input.mp4', ...earlier.outputs.map((file) => path.basename(file))]);
    const produced = (await filesUnder(world.workspace)).filter((file) => !expected.has(file));
    if (item?.state !== 'done' && produced.length > 0) {
      problems.push(`the run failed but left ${produced.join(', ')} beside the parameter file`);
    }
    if (item?.state === 'done' && item.video) {
      const video = await fsp.readFile(FakeUri.parse(item.video).fsPath);
      if (!video.equals(FIXTURE_VIDEO)) {
        problems.push('the saved video is not the one fal made');
      }
    }
  }
  return problems;
}

/** The history on disk agrees with what happened: reopened, nothing recovered, the job terminal, no marks left. */
async function history(product: Product, world: World, earlier: EarlierFiles, ending: Ending): Promise<string[]> {
  const problems: string[] = [];
  const marks = await fsp.readdir(path.join(world.historyFolder, 'running')).catch(() => []);
  if (marks.length > 0) {
    problems.push(`running/ still marks ${marks.join(', ')} after the job ended`);
  }
  const { store, recovery } = await product.historyStore.HistoryStore.open(world.historyFolder);
  try {
    if (recovery) {
      problems.push(`reopening the history recovered it: ${recovery.message}`);
    }
    const before = store.get(earlier.historyEntryId);
    if (!before || before.status !== 'done' || before.video?.file !== `videos/${earlier.historyEntryId}.mp4`) {
      problems.push(`the earlier history entry changed: ${JSON.stringify(before)}`);
    }
    const entries = store.list().filter((entry) => entry.id !== earlier.historyEntryId);
    if (store.unfinishedEntries().length > 0) {
      problems.push(`unfinished entries after the case: ${store.unfinishedEntries().map((entry) => entry.status).join(', ')}`);
    }
    for (const entry of entries) {
      if (entry.video) {
        const file = store.videoPath(entry);
        const bytes = file ? await fsp.readFile(file).catch(() => undefined) : undefined;
        if (!bytes || bytes.length !== entry.video.bytes || !bytes.equals(FIXTURE_VIDEO)) {
          problems.push(`the history's copy ${entry.video.file} is not the whole video`);
        }
      } else if (entry.status === 'done' && entry.error?.kind !== 'download') {
        problems.push('a done entry has neither a local copy nor the reason it has none');
      }
    }
    if (ending.flow === 'generation') {
      const { outcome } = ending;
      const [entry, ...more] = entries;
      if (!entry || more.length > 0) {
        problems.push(`${entries.length} new history entries for one job`);
      } else if (outcome.kind === 'done' && entry.status !== 'done') {
        problems.push(`done, but the history says ${entry.status}`);
      } else if (outcome.kind === 'cancelled' && entry.status !== 'cancelled') {
        problems.push(`cancelled, but the history says ${entry.status}`);
      } else if (outcome.kind === 'failed' && (entry.status !== 'failed' || entry.error?.kind !== outcome.failure.kind)) {
        problems.push(`failed (${outcome.failure.kind}), but the history says ${entry.status} (${entry.error?.kind ?? 'no error'})`);
      }
    } else {
      const item = ending.report.items[0];
      const generated = item?.generationId ? entries.find((entry) => entry.id === item.generationId) : undefined;
      if (item?.generationId && generated?.status !== 'done') {
        problems.push(`fal made the video, but the history says ${generated?.status ?? 'nothing'}`);
      } else if (!item?.generationId && item?.requestId && !entries.some((entry) => entry.status === 'failed' && entry.requestId === item.requestId)) {
        problems.push('fal failed the job, but the history has no failed entry for it');
      } else if (!item?.generationId && !item?.requestId && entries.some((entry) => entry.status !== 'failed')) {
        problems.push(`nothing was generated, but the history has ${entries.map((entry) => entry.status).join(', ')}`);
      }
    }
  } finally {
    store.dispose();
  }
  return problems;
}

/** The key, whole or its secret, in no text that left the extension, no file on disk, no request to a non-fal host. */
async function keyNowhere(world: World, texts: readonly string[], foreign: ForeignOrigin, foreignBefore: number): Promise<string[]> {
  const forms = keyForms(world.key);
  const problems: string[] = [];
  const found = (text: string) => forms.find((form) => text.includes(form));
  for (const text of [...texts, ...outbound.map((o) => o.text)]) {
    const form = found(text);
    if (form) {
      problems.push(`the key (${form === world.key ? 'whole' : 'a part'}) is in ${JSON.stringify(text.slice(0, 300))}`);
    }
  }
  for (const file of await filesUnder(world.folder)) {
    const content = await fsp.readFile(path.join(world.folder, file), 'latin1').catch(() => '');
    if (found(content)) {
      problems.push(`the key is in ${file} on disk`);
    }
  }
  for (const request of foreign.requests.slice(foreignBefore)) {
    if (found(JSON.stringify(request.headers))) {
      problems.push(`the key was sent to ${foreign.url}${request.url}, which is not fal`);
    }
  }
  return problems;
}

/** The key and its secret, as text and in the encodings an answer could carry them. */
export function keyForms(key: string): string[] {
  const secret = key.slice(key.indexOf(':') + 1);
  return [...new Set([key, secret, encodeURIComponent(key), Buffer.from(key).toString('base64'), Buffer.from(secret).toString('base64')])];
}
