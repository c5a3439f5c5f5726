// glassgrad dap driven by @vscode/debugadapter-testsupport's DebugClient: a DAP client nobody on
// the team wrote. A backward-mode breakpoint on the `x @ w` line of examples/debug_mlp.py must
// stop in that line's backward frame (matmul.backward), and the program must then run to its end.
//
//   npm ci && node --test            (GLASSGRAD_PYTHON picks the interpreter; default python3)
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const REPO = path.resolve(__dirname, '..', '..', '..');
const MLP = path.join(REPO, 'examples', 'debug_mlp.py');
// DebugClient spawns `runtime executable` with exactly one argument: the one-file launcher
const LAUNCHER = path.join(REPO, 'debugger', 'glassgrad_dap', '__main__.py');
const PYTHON = process.env.GLASSGRAD_PYTHON || 'python3';
const TIMEOUT = 20000;

function labelLine(file, label) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const re = new RegExp(`#\\s*@${label}\\b`);
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no '# @${label}' in ${file}`);
  return i + 1;
}

test('a backward-mode breakpoint stops in matmul.backward, then the program ends', { timeout: 60000 }, async () => {
  const dc = new DebugClient(PYTHON, LAUNCHER, 'glassgrad', { cwd: REPO, env: process.env }, true);
  dc.defaultTimeout = TIMEOUT;
  await dc.start();
  try {
    const line = labelLine(MLP, 'matmul');
    const stops = [];
    dc.on('stopped', (e) => stops.push(e));
    const terminated = dc.waitForEvent('terminated', 3 * TIMEOUT);

    // debugpy answers launch only after configurationDone and sends `initialized` only after
    // launch: configure and launch concurrently, as DebugClient.hitBreakpoint does.
    const [bps, , stopped] = await Promise.all([
      dc.waitForEvent('initialized').then(async () => {
        const r = await dc.setBreakpointsRequest({
          source: { path: MLP },
          breakpoints: [{ line, mode: 'backward' }],
        });
        await dc.configurationDoneRequest();
        return r;
      }),
      dc.launch({
        program: MLP, args: ['--steps', '1'], cwd: REPO, console: 'internalConsole',
        justMyCode: true,
      }),
      dc.waitForEvent('stopped'),
    ]);

    assert.strictEqual(bps.body.breakpoints.length, 1);
    assert.strictEqual(bps.body.breakpoints[0].verified, true);
    assert.strictEqual(stopped.body.reason, 'breakpoint');
    const trace = await dc.stackTraceRequest({ threadId: stopped.body.threadId });
    const top = trace.body.stackFrames[0];
    assert.strictEqual(top.line, line, `stopped at line ${top.line}, not ${line}`);
    assert.match(top.name, /^matmul\.backward$/);
    assert.strictEqual(path.resolve(top.source.path), MLP);

    await dc.continueRequest({ threadId: stopped.body.threadId });
    await terminated;
    assert.strictEqual(stops.length, 1, `stopped ${stops.length} times`);
  } finally {
    await dc.stop();
  }
});
