import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { FalImitationControl, type JobRecord, type TimingConfig } from '../../test/fal-imitation/control';
import { REPO_ROOT } from './vscodeStub';

/**
 * The fal imitation in a process of its own, as fal is a server elsewhere: what the product (or the script) does in
 * its process does not delay fal's timers, and the other way round.
 */
export interface ImitationProcess {
  readonly url: string;
  readonly control: FalImitationControl;
  close(): Promise<void>;
}

export async function startImitationProcess(timing: Partial<TimingConfig>): Promise<ImitationProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'out', 'test', 'fal-imitation', 'main.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /FAL_IMITATION_URL=(\S+)/.exec(text);
      if (match) {
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the fal imitation exited (${code}) before it listened`)));
  });
  const control = new FalImitationControl(url);
  await control.configure({ timing });
  return {
    url,
    control,
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** fal's own processing time of a job (IN_PROGRESS → COMPLETED), from the imitation's record of it. */
export function processingMsOf(job: JobRecord | undefined): number {
  const started = job?.transitions.find((t) => t.status === 'IN_PROGRESS');
  const completed = job?.transitions.find((t) => t.status === 'COMPLETED');
  if (!started || !completed) {
    throw new Error(`job ${job?.requestId ?? '?'} has no IN_PROGRESS → COMPLETED transitions`);
  }
  return Date.parse(completed.at) - Date.parse(started.at);
}
