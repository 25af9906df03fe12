// The terminal a command talks to; tests hand in their own.
export interface IO {
  out(text: string): void; // stdout: results (never used by `serve`, whose stdout is the protocol)
  err(text: string): void; // stderr: progress, warnings, errors
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  isTTY: boolean;
}

export const processIO: IO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  stdin: process.stdin,
  isTTY: Boolean(process.stdout.isTTY),
};
