import { pino, type Logger } from 'pino';

/** JSON lines on stdout: one object per event, easy to ship and to grep. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'mailadmin' } });
}
