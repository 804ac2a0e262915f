/**
 * A SOAP fault, the one way an operation or the envelope layer says no. SOAP 1.2 Part 1 §5.4:
 * a Code (Sender, Receiver, VersionMismatch, MustUnderstand) with ONVIF subcodes (ONVIF Core
 * 5.11.2, `ter:` = http://www.onvif.org/ver10/error), and a Reason for people.
 */
export type FaultCode = 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand';

export class SoapFault extends Error {
  constructor(
    readonly code: FaultCode,
    /** Local names in the `ter:` namespace, outermost first, e.g. ['InvalidArgVal', 'NoProfile']. */
    readonly subcodes: readonly string[],
    readonly reason: string,
  ) {
    // No stack trace: a fault is an answer, not a bug, and capturing one was the largest single
    // cost of refusing a hostile request (issue 14's flood profile: 2.2 % of the samples).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(reason);
    Error.stackTraceLimit = limit;
    this.name = 'SoapFault';
  }

  /** SOAP 1.2 Part 2 §7.5.1.2, table 20: Sender → 400, the rest → 500. */
  get httpStatus(): number {
    return this.code === 'Sender' ? 400 : 500;
  }

  /** A stable label for metrics and logs: the innermost subcode, or the code. */
  get kind(): string {
    return this.subcodes[this.subcodes.length - 1] ?? this.code;
  }
}

/** The faults the service uses, named after their ONVIF subcodes (ONVIF Core 5.11.2.x). */
export const Faults = {
  notAuthorized: (reason = 'Sender not authorized') => new SoapFault('Sender', ['NotAuthorized'], reason),
  actionNotSupported: (what: string) =>
    new SoapFault('Receiver', ['ActionNotSupported'], `Optional action not implemented: ${what}`),
  wellFormed: (reason: string) => new SoapFault('Sender', ['WellFormed'], reason),
  invalidArgVal: (sub: string, reason: string) => new SoapFault('Sender', ['InvalidArgVal', sub], reason),
  invalidArgs: (reason: string) => new SoapFault('Sender', ['InvalidArgs'], reason),
  operationProhibited: (sub: string, reason: string) =>
    new SoapFault('Sender', ['OperationProhibited', sub], reason),
  versionMismatch: (reason: string) => new SoapFault('VersionMismatch', [], reason),
  mustUnderstand: (reason: string) => new SoapFault('MustUnderstand', [], reason),
  internal: (reason = 'internal error') => new SoapFault('Receiver', ['Action'], reason),
  /** The replay cache is full of live nonces: the request cannot be checked now; try again later. */
  replayCacheFull: () =>
    new SoapFault('Receiver', [], 'too many recent requests to check for replay: try again shortly'),
};
