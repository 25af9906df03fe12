// The one logger. Every line goes to stderr (in `serve`, stdout belongs to the protocol), and
// every line is redacted: values registered as secrets, and anything shaped like a token,
// code or verifier in a URL, header or JSON body.

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const secrets = new Set<string>();

/** Register a value that must never be printed (tokens, codes, verifiers, state). */
export function addSecret(value: string | undefined | null): void {
  // Short values would redact ordinary words; no real token is this short.
  if (value && value.length >= 8) secrets.add(value);
}

const PATTERNS: RegExp[] = [
  // query or form parameters
  /\b(code|code_verifier|code_challenge|state|access_token|refresh_token|id_token|token|client_secret)=([^&\s"'#]+)/gi,
  // JSON fields
  /"(code|code_verifier|access_token|refresh_token|id_token|token|client_secret)"\s*:\s*"([^"]*)"/gi,
  // Authorization headers
  /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]+)/g,
];

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  out = out.replace(PATTERNS[0]!, '$1=[redacted]');
  out = out.replace(PATTERNS[1]!, '"$1":"[redacted]"');
  out = out.replace(PATTERNS[2]!, '$1 [redacted]');
  return out;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  level?: Level;
  /** Where lines go; stderr unless a test captures them. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.HOSTSMITH_MCP_LOG_LEVEL as Level | undefined;
  const threshold = ORDER[options.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info')];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: Level, message: string) => {
    if (ORDER[level] < threshold) return;
    write(`hostsmith-mcp: ${level === 'info' ? '' : `${level}: `}${redact(message)}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

/** The process-wide logger. */
export const log: Logger = createLogger();
