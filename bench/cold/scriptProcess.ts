/**
 * The model page's client code as a script of its own (see ../support/pageScript.ts): `fal.subscribe`, then the
 * video downloaded. Prints one JSON line with what it measured, then exits.
 *
 *   node out/bench/cold/scriptProcess.js <video file>   (ANIMATEDIFF_FAL_SANDBOX_URL and FAL_KEY set)
 */
import { configurePageScript, runPageScript } from '../support/pageScript';

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  configurePageScript(process.env.ANIMATEDIFF_FAL_SANDBOX_URL ?? '', process.env.FAL_KEY ?? '');
  const result = await runPageScript('fal-ai/fast-animatediff/turbo/text-to-video', {
    prompt: process.env.BENCH_PROMPT ?? 'a red fox running through fresh snow',
    negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
    num_frames: 16,
    num_inference_steps: 4,
    guidance_scale: 1,
    fps: 8,
    video_size: 'square',
  }, file);
  process.stdout.write(`${JSON.stringify({ done: true, requestId: result.requestId, endedAtMs: performance.now(), maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
