/** A small structured logger: one line per event, level filtered. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = Record<LogLevel, (msg: string, fields?: Record<string, unknown>) => void>;

export function createLogger(level: LogLevel = "info", sink: (line: string, level: LogLevel) => void = defaultSink): Logger {
  const make = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    const extra = fields ? " " + safeJson(fields) : "";
    sink(`${new Date().toISOString()} ${l.toUpperCase()} [media] ${msg}${extra}`, l);
  };
  return { debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

function defaultSink(line: string, level: LogLevel) {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof Error ? { name: x.name, message: x.message } : x));
  } catch {
    return "[unserialisable]";
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
