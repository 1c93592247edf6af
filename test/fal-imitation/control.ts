// Typed client of the imitation's HTTP control API (`<origin>/__imitation/...`), for tests that run
// in another process than the imitation (e.g. inside VS Code's extension host). Uses global fetch only.

import type {
  FaultRecord, FaultSpec, ImitationConfig, ImitationConfigPatch, ImitationStats, JobRecord, PricingConfig, RequestRecord,
  UploadRecord, WaitForJobRequest,
} from './types';

export * from './types';

export class FalImitationControlError extends Error {
  constructor(readonly status: number, readonly detail: string, operation: string) {
    super(`fal imitation control ${operation} failed (${status}): ${detail}`);
    this.name = 'FalImitationControlError';
  }
}

export class FalImitationControl {
  private readonly base: string;

  /** @param origin the imitation's origin, e.g. the FAL_IMITATION_URL the CLI printed. */
  constructor(readonly origin: string) {
    this.base = `${origin.replace(/\/+$/, '')}/__imitation/`;
  }

  /** Resolves when the imitation answers. */
  health(): Promise<{ ok: boolean; url: string }> {
    return this.call('GET', 'health');
  }

  /** Clears jobs, faults, records and uploads; closes hung requests; restores the start-up config. */
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  config(): Promise<ImitationConfig> {
    return this.call('GET', 'config');
  }

  /** Changes timing, rejected keys, the `logs=0` shape or pricing; unspecified settings stay as they are. */
  configure(patch: ImitationConfigPatch): Promise<ImitationConfig> {
    return this.call('POST', 'config', patch);
  }

  /** The pricing API's price table and forbidden keys (set with `configure`). */
  pricingConfig(): Promise<PricingConfig> {
    return this.call('GET', 'pricing-config');
  }

  addFault(spec: FaultSpec): Promise<FaultRecord> {
    return this.call('POST', 'faults', spec);
  }

  faults(): Promise<FaultRecord[]> {
    return this.call('GET', 'faults');
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', 'faults');
  }

  /**
   * Every fal API request received since the last reset, oldest first (file GETs only when a fault
   * shaped them). A submit's `requestId` is the job it created, even when its answer was lost.
   */
  requests(): Promise<RequestRecord[]> {
    return this.call('GET', 'requests');
  }

  jobs(): Promise<JobRecord[]> {
    return this.call('GET', 'jobs');
  }

  /** The job with this request id, or undefined when the imitation does not know it. */
  async job(requestId: string): Promise<JobRecord | undefined> {
    try {
      return await this.call<JobRecord>('GET', `jobs/${encodeURIComponent(requestId)}`);
    } catch (error) {
      if (error instanceof FalImitationControlError && error.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** Waits (server side) until a matching job reaches `status` or later; rejects after `timeoutMs` (default 10 s). */
  /** Lets a job held running by a `neverFinish` fault finish now, with its video. */
  finishJob(requestId: string): Promise<JobRecord> {
    return this.call('POST', `jobs/${encodeURIComponent(requestId)}/finish`);
  }

  waitForJob(request: WaitForJobRequest): Promise<JobRecord> {
    return this.call('POST', 'wait-for-job', request);
  }

  stats(): Promise<ImitationStats> {
    return this.call('GET', 'stats');
  }

  uploads(): Promise<UploadRecord[]> {
    return this.call('GET', 'uploads');
  }

  /** Makes result video URLs answer 404 (all, or those of the given request ids); returns the URLs removed. */
  async deleteResultVideos(requestIds?: string[]): Promise<string[]> {
    const answer = await this.call<{ deleted: string[] }>('POST', 'delete-result-videos', requestIds ? { requestIds } : {});
    return answer.deleted;
  }

  private async call<T>(method: string, operation: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}${operation}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const detail = typeof parsed === 'object' && parsed !== null && 'detail' in parsed ? String(parsed.detail) : text;
      throw new FalImitationControlError(response.status, detail, `${method} ${operation}`);
    }
    return parsed as T;
  }
}
