import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CODE_LANGUAGES, requestAsCode } from '../../../src/model/requestAsCode';
import type { FalImitation } from '../../fal-imitation/server';
import { startTestImitation, TEST_KEY, TURBO_T2V } from '../../fal-imitation/testSupport';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../../..');
const INPUT = {
  prompt: 'a lighthouse in a storm, it\'s "dramatic" \\ wet',
  negative_prompt: 'blurry',
  num_frames: 16,
  num_inference_steps: 4,
  guidance_scale: 1,
  fps: 8,
  video_size: 'square',
  motions: ['zoom-in'],
  seed: 1234,
};

/** fal's hosts → the imitation, for code that must run unchanged (as the product's sandbox routes them). */
function preloadRoutingTo(origin: string, folder: string): string {
  const file = path.join(folder, 'route-fal-to-imitation.mjs');
  fs.writeFileSync(file, [
    'const original = globalThis.fetch;',
    'globalThis.fetch = (input, init) => {',
    '  const url = new URL(input instanceof Request ? input.url : String(input));',
    `  if (/(^|\\.)fal\\.(run|ai)$/.test(url.host)) { return original(${JSON.stringify(origin)} + url.pathname + url.search, init); }`,
    '  return original(input, init);',
    '};',
    '',
  ].join('\n'));
  return file;
}

async function sha256Of(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  return createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex');
}

describe('a request as code: cURL, JavaScript and Python that reproduce it', function () {
  this.timeout(60_000);
  let imitation: FalImitation;
  let folder: string;
  before(async () => {
    imitation = await startTestImitation();
    // Inside the repository, so that `import "@fal-ai/client"` resolves from its node_modules.
    folder = fs.mkdtempSync(path.join(REPO, 'out', 'as-code-'));
  });
  after(async () => {
    await imitation.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('never writes the key: each reads FAL_KEY from the environment', () => {
    for (const language of CODE_LANGUAGES) {
      const code = requestAsCode(language, TURBO_T2V, INPUT);
      assert.ok(!code.includes(TEST_KEY) && !code.includes('test-key-secret'), language);
      assert.match(code, /FAL_KEY/, language);
    }
  });

  it('the Python is the model page\'s fal_client.subscribe with the exact arguments, as Python literals', () => {
    const code = requestAsCode('python', TURBO_T2V, { ...INPUT, flag: true, nothing: null });
    assert.match(code, /fal_client\.subscribe\(\n {4}"fal-ai\/fast-animatediff\/turbo\/text-to-video",/);
    assert.match(code, /"prompt": "a lighthouse in a storm, it's \\"dramatic\\" \\\\ wet",/);
    assert.match(code, /"motions": \[\n {12}"zoom-in",\n {8}\],/);
    assert.match(code, /"flag": True,\n {8}"nothing": None,/);
  });

  it('the cURL script and the JavaScript, run as they are against fal (here the imitation), make the same video', async () => {
    const env = { ...process.env, FAL_KEY: TEST_KEY };
    // cURL: the one change is the host, as curl cannot be routed otherwise.
    const script = requestAsCode('curl', TURBO_T2V, INPUT).replaceAll('https://queue.fal.run', imitation.url);
    const curl = await run('bash', ['-c', script], { env, timeout: 45_000 });
    const fromCurl = JSON.parse(curl.stdout) as { video: { url: string }; seed: number };

    const module = path.join(folder, 'generate.mjs');
    fs.writeFileSync(module, requestAsCode('javascript', TURBO_T2V, INPUT));
    const node = await run(process.execPath, ['--import', `file://${preloadRoutingTo(imitation.url, folder)}`, module], { env, timeout: 45_000 });
    const fromJavaScript = JSON.parse(node.stdout) as { video: { url: string }; seed: number };

    const submits = imitation.requests().filter((request) => request.stage === 'submit');
    assert.equal(submits.length, 2);
    for (const submit of submits) {
      assert.deepEqual(submit.body, INPUT, 'fal received the exact request');
      assert.equal(submit.keyId, 'test-key-id', 'with the key from FAL_KEY');
    }
    assert.equal(fromCurl.seed, 1234);
    assert.equal(fromJavaScript.seed, 1234);
    assert.equal(await sha256Of(fromCurl.video.url), await sha256Of(fromJavaScript.video.url), 'the same video');
  });
});
