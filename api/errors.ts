// Typed errors with Kubernetes' reasons and codes. Thrown anywhere, mapped to
// HTTP / gRPC / exit codes once, at the edge.

import { RESOURCES } from './resources.ts';
import type { Status, StatusCause, StatusDetails } from './types.ts';

export type Reason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'Expired'
  | 'InternalError'
  | 'ServiceUnavailable';

const CODES: Record<Reason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  Expired: 410,
  UnsupportedMediaType: 415,
  AlreadyExists: 409,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  Invalid: 422,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export class ApiError extends Error {
  readonly reason: Reason;
  readonly code: number;
  readonly details?: StatusDetails;

  constructor(reason: Reason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.reason = reason;
    this.code = CODES[reason];
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }

  /** Rebuilds an ApiError from a Status a server sent. */
  static fromStatus(status: Partial<Status>, fallbackCode = 500): ApiError {
    const reason = (status.reason as Reason) ?? reasonForCode(status.code ?? fallbackCode);
    const err = new ApiError(reason, status.message ?? `request failed with code ${status.code ?? fallbackCode}`, status.details);
    return err;
  }
}

export function reasonForCode(code: number): Reason {
  const found = (Object.keys(CODES) as Reason[]).find((r) => CODES[r] === code);
  return found ?? 'InternalError';
}

export function isApiError(err: unknown, reason?: Reason): err is ApiError {
  return err instanceof ApiError && (reason === undefined || err.reason === reason);
}

/** The lower-case resource name Kubernetes uses in messages: `services "web" not found`. */
export const notFound = (plural: string, name: string, kind?: string) =>
  new ApiError('NotFound', `${plural} "${name}" not found`, { name, kind: plural });

export const alreadyExists = (plural: string, name: string) =>
  new ApiError('AlreadyExists', `${plural} "${name}" already exists`, { name, kind: plural });

export const conflict = (plural: string, name: string) =>
  new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: plural },
  );

export const badRequest = (message: string) => new ApiError('BadRequest', message);

export const unauthorized = () => new ApiError('Unauthorized', 'Unauthorized');

export interface FieldError {
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueDuplicate`, `FieldValueNotSupported`, `FieldValueForbidden`. */
  type:
    | 'FieldValueInvalid'
    | 'FieldValueRequired'
    | 'FieldValueDuplicate'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong';
  field: string;
  /** Kubernetes' wording of the whole cause, e.g. `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`. */
  message: string;
}

const TYPE_WORDS: Record<FieldError['type'], string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
};

function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'null';
  return String(value);
}

/** Helpers that produce Kubernetes' field error wording. */
export const field = {
  invalid: (path: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueInvalid}: ${renderValue(value)}: ${detail}`,
  }),
  required: (path: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueRequired}${detail ? `: ${detail}` : ''}`,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueDuplicate}: ${renderValue(value)}`,
  }),
  notSupported: (path: string, value: unknown, allowed: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueNotSupported}: ${renderValue(value)}: supported values: ${allowed
      .map((a) => `"${a}"`)
      .join(', ')}`,
  }),
  forbidden: (path: string, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueForbidden}: ${detail}`,
  }),
  /** `metadata.annotations: Too long: must have at most 262144 bytes` */
  tooLong: (path: string, max: number, unit = 'bytes'): FieldError => ({
    type: 'FieldValueTooLong',
    field: path,
    message: `${path}: ${TYPE_WORDS.FieldValueTooLong}: must have at most ${max} ${unit}`,
  }),
};

/** The API group of a kind (`networking.k8s.io` for Ingress, '' for core/v1). */
function groupOf(kind: string): string {
  const apiVersion = RESOURCES.find((r) => r.kind === kind)?.apiVersion ?? 'v1';
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/**
 * `Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated`
 * With several causes Kubernetes joins them as `[a, b]`. Like Kubernetes, the
 * kind is qualified by its group outside core/v1 (`Ingress.networking.k8s.io "x" is invalid`)
 * and details carry `kind` and `group` as they are (kubectl prints `The Service "web" is invalid`).
 */
export function invalid(kind: string, name: string, errors: FieldError[]): ApiError {
  const list = errors.map((e) => e.message);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const causes: StatusCause[] = errors.map((e) => ({
    reason: e.type,
    message: e.message.slice(e.field.length + 2),
    field: e.field,
  }));
  const group = groupOf(kind);
  const qualified = group ? `${kind}.${group}` : kind;
  return new ApiError('Invalid', `${qualified} "${name}" is invalid: ${joined}`, { name, ...(group ? { group } : {}), kind, causes });
}
