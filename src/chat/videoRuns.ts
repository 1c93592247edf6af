import * as vscode from 'vscode';
import { readSettings } from '../config/reader';
import { readBatchConcurrency, readConnectionSettings, readGenerationDefaults } from '../config/settings';
import type { GenerationService } from '../generation/generationService';
import { jobProgressText } from '../generation/jobText';
import type { GenerationRecord, GenerationRequest } from '../model/generation';
import { chargeText, sumCharges, type Charge } from '../model/price';
import type { GenerationPresenter, VideoCopies } from '../panel/presenter';
import type { VideoPanelManager } from '../panel/videoPanel';
import { cryptoRandomSeed } from '../params/requests';
import { BatchGrid } from '../runs/batchGrid';
import { runWithConcurrency, summarizeBatch } from '../runs/batchRunner';
import { shorten } from '../util/text';
import { checkInput, requestsFor, videoInputSchema, type VideoInput } from './videoInput';

/**
 * The one way chat and agents make videos: the input checked against the parameter-file model, the requests built
 * like a file's, one fal session (the Restricted Mode question, the spend guard — each showing the price), then every
 * video through the GenerationService like any other (history, progress, cancel, the panel).
 */

export interface VideoRunDeps {
  service: GenerationService;
  panels: VideoPanelManager;
  presenter: GenerationPresenter;
  copies: VideoCopies;
}

/** Videos asked for and ready to be priced and sent. */
export interface VideoPlan {
  readonly input: VideoInput;
  /** Where they go: the animateDiff.endpoint setting. */
  readonly endpoint: string;
  readonly requests: readonly GenerationRequest[];
}

/** One finished video, as an agent or a chat response reports it. */
export interface MadeVideo {
  readonly id: string;
  readonly requestId: string;
  readonly seed: number | null;
  /** The history's local copy, when it was kept. */
  readonly localPath: string | undefined;
  readonly videoUrl: string;
  readonly charge: Charge | undefined;
}

export type VideoRunOutcome =
  | { kind: 'notStarted'; reason: string }
  | {
    kind: 'ran';
    made: MadeVideo[];
    /** Per video not made: which and why. */
    failures: Array<{ label: string; reason: string; cancelled: boolean }>;
    /** One sentence: how many were made, and why the others were not. */
    summary: string;
    /** What fal is expected to charge for the videos it accepted. */
    charge: Charge | undefined;
  };

export interface VideoRunOptions {
  /** Ask before spending even in a trusted workspace (a chat request; an agent's tool call was confirmed by VS Code). */
  confirm: boolean;
  /** Shown in the question before spending, e.g. `Chat: a fox…`. */
  label: string;
  /** Told each time a video's state changes (`In fal's queue — position 2`). */
  onProgress?: (text: string) => void;
  token?: vscode.CancellationToken;
}

/** Checks the input and builds its requests with the user's defaults; problems say which field and why. */
export function planVideos(raw: unknown, label: string): { ok: true; plan: VideoPlan } | { ok: false; problems: string[] } {
  const checked = checkInput(videoInputSchema, raw);
  if (!checked.ok) {
    return checked;
  }
  const settings = readSettings();
  const connection = readConnectionSettings(settings);
  if (!connection.ok) {
    return { ok: false, problems: connection.problems.map((problem) => problem.message) };
  }
  const defaults = readGenerationDefaults(settings);
  if (!defaults.ok) {
    return { ok: false, problems: defaults.problems.map((problem) => problem.message) };
  }
  const { endpoint } = connection.value;
  const built = requestsFor(checked.value, endpoint, defaults.defaults, cryptoRandomSeed);
  const requests = built.map((request): GenerationRequest => ({
    endpoint,
    input: { ...request.input },
    source: { kind: 'prompt' },
    label: built.length === 1 ? `${label}: ${shorten(checked.value.prompt, 40)}` : `${label} · ${request.label}`,
  }));
  return { ok: true, plan: { input: checked.value, endpoint, requests } };
}

export class VideoRuns {
  constructor(private readonly deps: VideoRunDeps) {}

  /** What the plan is expected to cost at fal's listed prices (asked once, then cached). */
  quote(plan: VideoPlan): Promise<Charge> {
    return this.deps.service.sessions.prices.charge(plan.requests.map((request) => ({ endpoint: plan.endpoint, input: request.input })));
  }

  async run(plan: VideoPlan, options: VideoRunOptions): Promise<VideoRunOutcome> {
    const { service } = this.deps;
    const count = plan.requests.length;
    const session = await service.sessions.open({
      videos: count,
      label: `${options.label}: ${shorten(plan.input.prompt, 120)}`,
      endpoint: plan.endpoint,
      requests: plan.requests,
      confirm: options.confirm,
    });
    if (!session) {
      return { kind: 'notStarted', reason: 'it was not confirmed, or no fal key is set; nothing was sent and nothing was spent' };
    }
    if (options.token?.isCancellationRequested) {
      return { kind: 'notStarted', reason: 'the request was cancelled before anything was sent' };
    }
    const ours = new Set<GenerationRequest>(plan.requests);
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      service.runningJobs.filter((job) => ours.has(job.request) && !job.resultReady).forEach((job) => service.cancel(job.id));
    };
    const subscriptions: vscode.Disposable[] = [];
    if (options.token) {
      subscriptions.push(options.token.onCancellationRequested(cancel));
    }
    if (options.onProgress) {
      const report = options.onProgress;
      let last = '';
      subscriptions.push(service.onDidChangeJobs(() => {
        const running = service.runningJobs.filter((job) => ours.has(job.request));
        const text = running.length === 0
          ? ''
          : count === 1 ? jobProgressText(running[0]) : vscode.l10n.t('{0} of {1} videos at fal — {2}', running.length, count, jobProgressText(running[0]));
        if (text !== '' && text !== last) {
          last = text;
          report(text);
        }
      }));
    }
    // One video shows its progress notification and lands in the panel like any other; several fill a grid.
    const batch = count > 1;
    const grid = batch
      ? new BatchGrid(this.deps.panels, service, vscode.l10n.t('{0} — {1} videos', shorten(plan.input.prompt, 40), count), plan.requests.map((request) => request.label ?? ''), true)
      : undefined;
    const concurrency = readBatchConcurrency(readSettings());
    const made: Array<{ index: number; record: GenerationRecord }> = [];
    const failures: Array<{ index: number; label: string; reason: string; cancelled: boolean }> = [];
    try {
      await runWithConcurrency(plan.requests, concurrency.ok ? concurrency.value : 1, async (request, index) => {
        grid?.follow(request, index);
        const outcome = await service.generate(request, { session, interactive: !batch });
        const label = request.label ?? `video ${index + 1}`;
        switch (outcome.kind) {
          case 'done':
            made.push({ index, record: outcome.record });
            grid?.set(index, this.deps.presenter.gridItem(outcome.record));
            break;
          case 'failed':
            failures.push({ index, label, reason: outcome.failure.message, cancelled: false });
            grid?.set(index, { state: 'failed', label, reason: outcome.failure.message });
            break;
          case 'cancelled':
            failures.push({ index, label, reason: 'cancelled', cancelled: true });
            grid?.set(index, { state: 'failed', label, reason: vscode.l10n.t('Cancelled.') });
            break;
          case 'notStarted':
            failures.push({ index, label, reason: outcome.reason, cancelled: false });
            break;
        }
      }, {
        shouldStart: () => !cancelled,
      });
    } finally {
      subscriptions.forEach((subscription) => subscription.dispose());
      grid?.finish(() => vscode.l10n.t('Cancelled before it started.'));
      grid?.dispose();
    }
    plan.requests.forEach((request, index) => {
      if (!made.some((m) => m.index === index) && !failures.some((f) => f.index === index)) {
        failures.push({ index, label: request.label ?? `video ${index + 1}`, reason: 'cancelled before it started', cancelled: true });
      }
    });
    made.sort((a, b) => a.index - b.index);
    failures.sort((a, b) => a.index - b.index);
    const videos = made.map(({ record }) => this.madeVideo(record));
    const summary = summarizeBatch(plan.requests.map((request, index) => {
      const failure = failures.find((f) => f.index === index);
      return { label: request.label ?? `video ${index + 1}`, state: failure ? (failure.cancelled ? 'cancelled' : 'failed') : 'done', reason: failure?.reason };
    })).text;
    const charges = videos.flatMap((video) => (video.charge ? [video.charge] : []));
    const charge = charges.length > 0 ? sumCharges(charges) : undefined;
    return { kind: 'ran', made: videos, failures: failures.map(({ label, reason, cancelled: c }) => ({ label, reason, cancelled: c })), summary, charge };
  }

  private madeVideo(record: GenerationRecord): MadeVideo {
    return {
      id: record.id,
      requestId: record.requestId,
      seed: record.seed,
      localPath: this.deps.copies.localCopy(record.id)?.fsPath,
      videoUrl: record.videoUrl,
      charge: record.charge,
    };
  }
}

/** `1 video, seed 42, $0.01` lines for a result. */
export function describeVideo(video: MadeVideo): string {
  return `seed ${video.seed ?? 'unknown'}${video.charge ? ` · ${chargeText(video.charge)}` : ''}`;
}
