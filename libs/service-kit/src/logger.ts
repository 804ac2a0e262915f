import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const LEVELS: Record<'debug' | 'info' | 'warn' | 'error', LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** Structured JSON logs on stdout, one object a line. Callers log ids, never secrets. */
export function jsonLogger(level: keyof typeof LEVELS): ConsoleLogger {
  return new ConsoleLogger({ json: true, colors: false, logLevels: LEVELS[level] });
}
