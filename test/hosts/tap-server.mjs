// The built server behind a tap, as the command a host starts: every stdio line each way is
// appended to $HOSTSMITH_TAP_LOG as {"dir":"in"|"out","line":…}, so a test sees what the host
// itself sent (initialize, elicitation answers). Plain JS: the host starts it with plain node.
//   node tap-server.mjs <server.js> [args…]
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const log = process.env.HOSTSMITH_TAP_LOG;
const [server, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [server, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
const record = (dir, line) => {
  if (log) appendFileSync(log, `${JSON.stringify({ dir, line })}\n`);
};
createInterface({ input: process.stdin }).on('line', (line) => {
  record('in', line);
  child.stdin.write(`${line}\n`);
});
process.stdin.on('end', () => child.stdin.end());
createInterface({ input: child.stdout }).on('line', (line) => {
  record('out', line);
  process.stdout.write(`${line}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
