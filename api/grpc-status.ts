// The one place where minik's errors meet gRPC status codes, in both
// directions: the server turns an ApiError into a status (with its Kubernetes
// reason in the trailers, since several reasons share a gRPC code), and the
// clients turn a failed call back into an ApiError with one clear line.

import { Metadata, status as GrpcCode, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ApiError, isApiError, type Reason } from './errors.ts';

/** Trailer carrying the Kubernetes reason of a failed call. */
export const REASON_TRAILER = 'minik-reason';

const CODE_FOR_REASON: Record<Reason, GrpcCode> = {
  BadRequest: GrpcCode.INVALID_ARGUMENT,
  Invalid: GrpcCode.INVALID_ARGUMENT,
  Unauthorized: GrpcCode.UNAUTHENTICATED,
  Forbidden: GrpcCode.PERMISSION_DENIED,
  NotFound: GrpcCode.NOT_FOUND,
  AlreadyExists: GrpcCode.ALREADY_EXISTS,
  Conflict: GrpcCode.ABORTED,
  RequestEntityTooLarge: GrpcCode.RESOURCE_EXHAUSTED,
  UnsupportedMediaType: GrpcCode.INVALID_ARGUMENT,
  MethodNotAllowed: GrpcCode.UNIMPLEMENTED,
  NotAcceptable: GrpcCode.INVALID_ARGUMENT,
  Expired: GrpcCode.OUT_OF_RANGE,
  InternalError: GrpcCode.INTERNAL,
  ServiceUnavailable: GrpcCode.UNAVAILABLE,
};

/** Reason assumed when a status carries no reason trailer. */
const REASON_FOR_CODE: Partial<Record<GrpcCode, Reason>> = {
  [GrpcCode.INVALID_ARGUMENT]: 'BadRequest',
  [GrpcCode.OUT_OF_RANGE]: 'BadRequest',
  [GrpcCode.UNAUTHENTICATED]: 'Unauthorized',
  [GrpcCode.PERMISSION_DENIED]: 'Forbidden',
  [GrpcCode.NOT_FOUND]: 'NotFound',
  [GrpcCode.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcCode.ABORTED]: 'Conflict',
  [GrpcCode.RESOURCE_EXHAUSTED]: 'ServiceUnavailable',
  [GrpcCode.UNIMPLEMENTED]: 'MethodNotAllowed',
  [GrpcCode.UNAVAILABLE]: 'ServiceUnavailable',
  [GrpcCode.DEADLINE_EXCEEDED]: 'ServiceUnavailable',
};

export const UNAUTHORIZED_MESSAGE = 'Unauthorized: the server rejected the token';
export const unreachableMessage = (address: string) => `cannot reach the gRPC server at ${address}`;

/** A status to hand to grpc-js for a handler's error. Anything not an ApiError is an internal error whose text stays on the server. */
export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const apiError = isApiError(err) ? err : new ApiError('InternalError', 'internal error');
  const metadata = new Metadata();
  metadata.set(REASON_TRAILER, apiError.reason);
  return { code: CODE_FOR_REASON[apiError.reason], details: apiError.message, metadata };
}

/** A status for a plain code and message (no ApiError behind it). */
export function grpcStatus(code: GrpcCode, details: string): Partial<StatusObject> {
  return { code, details, metadata: new Metadata() };
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as ServiceError).code === 'number' && 'details' in err;
}

/**
 * grpc-js words a refused certificate as `No connection established. Last
 * error: Error: unable to verify the first certificate. ...`: the part a
 * person needs (which certificate check failed), or undefined for any other
 * connection failure.
 */
function tlsFailure(details: string | undefined): string | undefined {
  const last = /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:|$)/.exec(details ?? '')?.[1];
  return last && /certificate|self[- ]signed|Hostname\/IP|altname/i.test(last) ? last : undefined;
}

/** Turns a failed call into an ApiError a person can read in one line. */
export function fromGrpcError(err: unknown, address: string): ApiError {
  if (!isServiceError(err)) return err instanceof ApiError ? err : new ApiError('InternalError', String(err));
  switch (err.code) {
    case GrpcCode.UNAUTHENTICATED:
      return new ApiError('Unauthorized', UNAUTHORIZED_MESSAGE);
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED: {
      const tls = tlsFailure(err.details);
      return new ApiError('ServiceUnavailable', tls ? `${unreachableMessage(address)}: ${tls}` : unreachableMessage(address));
    }
    case GrpcCode.UNIMPLEMENTED:
      if (!err.metadata?.get(REASON_TRAILER).length)
        return new ApiError('ServiceUnavailable', `the server at ${address} is not a minik gRPC server (${err.details})`);
  }
  const trailer = err.metadata?.get(REASON_TRAILER)[0];
  const reason = (typeof trailer === 'string' && trailer in CODE_FOR_REASON ? trailer : REASON_FOR_CODE[err.code]) as
    | Reason
    | undefined;
  return new ApiError(reason ?? 'InternalError', err.details || `gRPC call failed: ${GrpcCode[err.code]}`);
}
