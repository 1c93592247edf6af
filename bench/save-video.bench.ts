/**
 * Save Video… on a 50 MB video: how much memory the save takes, measured in a process of its own per save (see
 * saveVideo/saveProcess.ts), from the history's local copy and from fal's URL, against reading the file whole and
 * writing it whole (what the product did before). The kernel's own copy (copyFile) is shown as the floor.
 *
 *   node esbuild.js --tests && node out/bench/save-video.bench.js
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLIP } from './support/historyFixture';
import { interleave, QUICK, report, stats } from './support/measure';

const VIDEO_MB = QUICK ? 5 : 50;
const SAMPLES = QUICK ? 1 : Number(process.env.BENCH_SAMPLES ?? 3);
const MB = 1024 * 1024;

interface Saved {
  liveBytes: number;
  rssBytes: number;
  ms: number;
}

function save(how: string, source: string, target: string): Promise<Saved> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'saveVideo', 'saveProcess.js'), how, source, target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((text) => text.startsWith('{"done":true'));
      if (code !== 0 || !line) {
        reject(new Error(`save (${how}) exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const saved = JSON.parse(line) as Saved;
      if (statSync(target).size !== statSync(videoFile).size) {
        reject(new Error(`save (${how}) wrote ${statSync(target).size} bytes of ${statSync(videoFile).size}`));
        return;
      }
      rmSync(target, { force: true });
      resolve(saved);
    });
  });
}

let videoFile = '';

/** A video of `megabytes`: the fixture's MP4 boxes first (so it is recognised as a video), then padding. */
function writeVideo(file: string, megabytes: number): void {
  const head = readFileSync(CLIP);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    const block = Buffer.alloc(MB, 7);
    let left = megabytes * MB - head.length;
    while (left > 0) {
      left -= writeSync(fd, block, 0, Math.min(block.length, left));
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'animatediff-bench-save-'));
  videoFile = path.join(root, 'video.mp4');
  writeVideo(videoFile, VIDEO_MB);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': statSync(videoFile).size });
    createReadStream(videoFile).pipe(response);
  });
  const url = await new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/files/videos/video.mp4`);
  }));
  try {
    console.log(`save-video: a ${VIDEO_MB} MB video, each save a new process; ${SAMPLES} samples per side`);
    const target = path.join(root, 'saved.mp4');
    const mb = (bytes: number) => bytes / MB;
    const floor: Saved[] = [];
    for (const [what, source] of [['the history\'s local copy', videoFile], ['fal\'s URL', url]] as const) {
      const product: Saved[] = [];
      const whole: Saved[] = [];
      await interleave(
        async (kept) => {
          const saved = await save('product', source, target);
          if (kept) {
            product.push(saved);
          }
        },
        async (kept) => {
          const saved = await save('readWhole', videoFile, target);
          if (kept) {
            whole.push(saved);
          }
        },
        { samples: SAMPLES, warmup: 0 },
      );
      if (floor.length === 0) {
        for (let i = 0; i < SAMPLES; i++) {
          floor.push(await save('copyFile', videoFile, target));
        }
      }
      report({
        bench: 'save-video',
        measure: `Save Video… on a ${VIDEO_MB} MB video from ${what}: live memory increase`,
        unit: 'MB',
        subject: stats(product.map((s) => mb(s.liveBytes))),
        baseline: { label: 'read whole, write whole', stats: stats(whole.map((s) => mb(s.liveBytes))) },
        target: { on: 'value', max: 10, text: '≤ +10 MB' },
        note: `peak RSS +${stats(product.map((s) => mb(s.rssBytes))).median.toFixed(1)} MB vs +${stats(whole.map((s) => mb(s.rssBytes))).median.toFixed(1)} MB; `
          + `copyFile +${stats(floor.map((s) => mb(s.liveBytes))).median.toFixed(1)} MB live`,
      });
    }
  } finally {
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
