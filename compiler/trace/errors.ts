/** Errors raised while symbolically tracing a model. */

/** A traced value was used in a way tracing cannot record (control flow, concrete reads…). */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}
