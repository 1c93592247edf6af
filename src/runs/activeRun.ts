import type { GenerationRequest } from '../model/generation';

/** One run of one or more parameter files (a batch): what the CodeLens, the palette's Cancel and the grid follow. */
export class ActiveRun {
  cancelled = false;
  finished = 0;
  /** The requests of its jobs that have been handed to the service, so its running jobs can be told apart. */
  readonly requests = new Set<GenerationRequest>();
  /** Aborts what is left of the run when the window closes (saving videos fal has made included). */
  readonly abort = new AbortController();

  /** `onProgress` is told each time a video of the run has finished, whatever its outcome. */
  constructor(readonly total: number, private readonly onProgress: () => void) {}

  settled(): void {
    this.finished++;
    this.onProgress();
  }

  get left(): number {
    return this.total - this.finished;
  }
}
