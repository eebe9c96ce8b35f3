// Errors of the lab provider, each with a stable code, so the CLI edge can map
// them to one clear line and an exit status without parsing messages.

export type LabErrorCode =
  | 'LAB_NOT_ROOT'
  | 'LAB_INVALID_NAME'
  | 'LAB_INVALID_LAN'
  | 'LAB_INVALID_OPTION'
  | 'LAB_MISSING_COMMANDS'
  | 'LAB_EXEC_FAILED'
  | 'LAB_DAEMON_FAILED'
  | 'LAB_APISERVER_NOT_READY'
  | 'LAB_NODES_NOT_READY'
  | 'LAB_NOT_FOUND';

export class LabError extends Error {
  readonly code: LabErrorCode;

  constructor(code: LabErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}

export const isLabError = (err: unknown, code?: LabErrorCode): err is LabError =>
  err instanceof LabError && (code === undefined || err.code === code);
