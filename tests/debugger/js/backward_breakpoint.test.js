// glassgrad dap driven by @vscode/debugadapter-testsupport's DebugClient: a DAP client nobody on
// the team wrote. A backward-mode breakpoint on the `x @ w` line of examples/debug_mlp.py must
// stop in that line's backward frame (matmul.backward), and the program must then run to its end:
// over stdio, and over --port with the token of the connection file.
//
//   npm ci && node --test            (GLASSGRAD_PYTHON picks the interpreter; default python3)
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
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

// The scenario, on a started DebugClient. `initializeArgs`: null for DebugClient's own
// initialize (stdio), or the arguments to send (port mode: they carry the token).
async function backwardBreakpointScenario(dc, initializeArgs) {
  const line = labelLine(MLP, 'matmul');
  const stops = [];
  dc.on('stopped', (e) => stops.push(e));
  const terminated = dc.waitForEvent('terminated', 3 * TIMEOUT);
  const launchArgs = {
    program: MLP, args: ['--steps', '1'], cwd: REPO, console: 'internalConsole',
    justMyCode: true,
  };
  const launch = initializeArgs === null
    ? dc.launch(launchArgs)
    : dc.initializeRequest(initializeArgs).then(() => dc.launchRequest(launchArgs));

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
    launch,
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
}

test('a backward-mode breakpoint stops in matmul.backward, then the program ends', { timeout: 60000 }, async () => {
  const dc = new DebugClient(PYTHON, LAUNCHER, 'glassgrad', { cwd: REPO, env: process.env }, true);
  dc.defaultTimeout = TIMEOUT;
  await dc.start();
  try {
    await backwardBreakpointScenario(dc, null);
  } finally {
    await dc.stop();
  }
});

// Port mode, as an extension would use it: start `glassgrad dap --port 0 --connection-file F`,
// read host, port and token from F (mode 0600), present the token in `initialize`.
test('port mode: the token of the connection file opens the session; none is refused', { timeout: 60000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassgrad-dap-js-'));
  const file = path.join(dir, 'connection.json');
  const adapter = spawn(PYTHON, [LAUNCHER, '--port', '0', '--connection-file', file],
    { cwd: REPO, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  adapter.stderr.on('data', (d) => { stderr += d; });
  try {
    // the adapter says where the file is once it is complete
    await new Promise((resolve, reject) => {
      const check = () => (stderr.includes('connection file') ? resolve() : null);
      adapter.stderr.on('data', check);
      adapter.on('exit', () => reject(new Error(`adapter exited: ${stderr}`)));
      check();
    });
    const info = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);

    const intruder = new DebugClient(PYTHON, LAUNCHER, 'glassgrad');
    await intruder.start(info.port);
    await assert.rejects(intruder.initializeRequest(), /glassgradToken/);
    intruder.stopAdapter();

    const dc = new DebugClient(PYTHON, LAUNCHER, 'glassgrad');
    dc.defaultTimeout = TIMEOUT;
    await dc.start(info.port);
    try {
      await backwardBreakpointScenario(dc, {
        adapterID: 'glassgrad', linesStartAt1: true, columnsStartAt1: true,
        pathFormat: 'path', [info.tokenArgument]: info.token,
      });
    } finally {
      await dc.stop();
    }
  } finally {
    adapter.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
