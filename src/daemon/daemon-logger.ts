/**
 * The subset of pino's logger the daemon uses. The CLI passes fastify's pino
 * instance, so every line (requests, cycles, reloads) is one JSON object on
 * stdout; the daemon never imports a logging library itself.
 */
export interface DaemonLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
