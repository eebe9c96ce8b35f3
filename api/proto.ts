// Loads minik's gRPC API from the proto text embedded in the code (not from a
// file), so the single binary needs no proto file on disk. Both the server and
// the clients get their service definition and message shapes from here.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { MINIK_PROTO } from '../proto/minik-proto.ts';

export const MINIK_SERVICE_NAME = 'minik.v1.Minik';

/** Options shared by server and client so both decode the same way. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false, // camelCase fields in TypeScript: sinceRevision, objectJson
  longs: Number, // revisions stay far below 2^53
  enums: String,
  defaults: true, // an empty string arrives as '' rather than undefined
  oneofs: true,
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED';

/** Messages as they look in TypeScript (camelCase, int64 as number). */
export interface WatchRequestMessage {
  kinds: string[];
  sinceRevision: number;
}

export interface WatchEventMessage {
  type: WatchEventType;
  revision: number;
  kind: string;
  objectJson: string;
}

export interface RegisterRequestMessage {
  name: string;
  internalIp: string;
  proxyMode: string;
  /** The pod CIDR the node already uses ('' when new). */
  podCidr?: string;
}

export interface RegisterResponseMessage {
  nodeJson: string;
}

export interface HeartbeatRequestMessage {
  name: string;
}

export type HeartbeatResponseMessage = Record<string, never>;

export interface MinikProto {
  packageDefinition: protoLoader.PackageDefinition;
  /** For `server.addService`. */
  service: grpc.ServiceDefinition;
  /** Client constructor: `new Client('127.0.0.1:6444', credentials)`. */
  Client: grpc.ServiceClientConstructor;
}

let loaded: MinikProto | undefined;

/** Parses the embedded proto once per process. */
export function loadMinikProto(): MinikProto {
  if (loaded) return loaded;
  // proto-loader only reads files; parse the text with the protobufjs it is
  // built on and hand it the JSON descriptor instead.
  const { root } = protobuf.parse(MINIK_PROTO, { keepCase: false });
  const packageDefinition = protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS);
  const grpcObject = grpc.loadPackageDefinition(packageDefinition);
  const Client = (grpcObject.minik as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const Minik = Client.Minik as grpc.ServiceClientConstructor;
  loaded = { packageDefinition, service: Minik.service, Client: Minik };
  return loaded;
}
