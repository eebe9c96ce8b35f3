import { Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, invalid, field, notFound, type Reason } from './errors.ts';
import { fromGrpcError, toGrpcStatus, REASON_TRAILER } from './grpc-status.ts';

const cases: [Reason, GrpcCode][] = [
  ['BadRequest', GrpcCode.INVALID_ARGUMENT],
  ['Invalid', GrpcCode.INVALID_ARGUMENT],
  ['Unauthorized', GrpcCode.UNAUTHENTICATED],
  ['Forbidden', GrpcCode.PERMISSION_DENIED],
  ['NotFound', GrpcCode.NOT_FOUND],
  ['AlreadyExists', GrpcCode.ALREADY_EXISTS],
  ['Conflict', GrpcCode.ABORTED],
  ['RequestEntityTooLarge', GrpcCode.RESOURCE_EXHAUSTED],
  ['MethodNotAllowed', GrpcCode.UNIMPLEMENTED],
  ['InternalError', GrpcCode.INTERNAL],
  ['ServiceUnavailable', GrpcCode.UNAVAILABLE],
];

function serviceError(code: GrpcCode, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

test('every ApiError reason maps to its gRPC code and carries the reason in a trailer', () => {
  for (const [reason, code] of cases) {
    const status = toGrpcStatus(new ApiError(reason, `msg ${reason}`));
    assert.is(status.code, code, reason);
    assert.is(status.details, `msg ${reason}`);
    assert.equal(status.metadata?.get(REASON_TRAILER), [reason]);
  }
});

test('an error that is not an ApiError becomes INTERNAL without its text', () => {
  const status = toGrpcStatus(new Error('/etc/shadow unreadable'));
  assert.is(status.code, GrpcCode.INTERNAL);
  assert.is(status.details, 'internal error');
});

test('a status with a reason trailer comes back as the same ApiError', () => {
  for (const err of [notFound('nodes', 'n1'), invalid('Node', '', [field.required('metadata.name')])]) {
    const status = toGrpcStatus(err);
    const back = fromGrpcError(serviceError(status.code!, status.details!, status.metadata!), '10.0.0.1:6444');
    assert.is(back.reason, err.reason);
    assert.is(back.message, err.message);
  }
});

test('unauthenticated and unreachable read as one clear line', () => {
  const unauth = fromGrpcError(serviceError(GrpcCode.UNAUTHENTICATED, 'Unauthorized'), 'h:1');
  assert.is(unauth.message, 'Unauthorized: the server rejected the token');
  assert.is(unauth.reason, 'Unauthorized');
  const down = fromGrpcError(serviceError(GrpcCode.UNAVAILABLE, 'No connection established. Last error: ECONNREFUSED'), '10.0.0.1:6444');
  assert.is(down.message, 'cannot reach the gRPC server at 10.0.0.1:6444');
  assert.is(down.reason, 'ServiceUnavailable');
  const other = fromGrpcError(serviceError(GrpcCode.UNIMPLEMENTED, 'The server does not implement the method /minik.v1.Minik/Watch'), 'h:1');
  assert.match(other.message, /the server at h:1 is not a minik gRPC server/);
});

test('a status without a trailer falls back to the code', () => {
  const err = fromGrpcError(serviceError(GrpcCode.OUT_OF_RANGE, 'revision 3 is older than the oldest kept revision 9; relist'), 'h:1');
  assert.is(err.reason, 'BadRequest');
  assert.is(err.message, 'revision 3 is older than the oldest kept revision 9; relist');
});

test.run();
