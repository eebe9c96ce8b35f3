// The text of proto/minik.proto, so the single binary can load the gRPC API
// without the source tree. minik-proto.test.ts fails when the two drift apart
// (the .proto must therefore contain no backquote and no dollar-brace).

export const MINIK_PROTO = `// minik's gRPC API: the watch that agents build their cache from, and the
// node service they register and heartbeat through. Every call carries the
// metadata "authorization: Bearer <token>".
//
// Objects travel as Kubernetes-shaped JSON strings, the same bodies the REST
// API serves, so there is one object model and no second schema to keep in
// step with it.

syntax = "proto3";

package minik.v1;

service Minik {
  // A snapshot (since_revision 0) or the change log after since_revision,
  // then SYNCED, then live events in revision order. A revision older than
  // the kept change log fails with OUT_OF_RANGE: the client must relist.
  rpc Watch(WatchRequest) returns (stream WatchEvent);
  // Creates or refreshes the Node; the server allocates its podCIDR once.
  rpc Register(RegisterRequest) returns (RegisterResponse);
  // Sent every second; a node is NotReady after three missed heartbeats.
  rpc Heartbeat(HeartbeatRequest) returns (HeartbeatResponse);
}

message WatchRequest {
  // Kinds to watch (Service, Pod, Endpoints, Node, Namespace, Ingress); empty means all.
  repeated string kinds = 1;
  // 0: snapshot first. N > 0: every event with a revision above N.
  int64 since_revision = 2;
}

message WatchEvent {
  // ADDED | MODIFIED | DELETED, or SYNCED: the snapshot (or the catch-up from
  // since_revision) is complete and the client is current at revision.
  string type = 1;
  int64 revision = 2;
  // Empty for SYNCED.
  string kind = 3;
  // The object after the change (for DELETED: as it was); empty for SYNCED.
  string object_json = 4;
}

message RegisterRequest {
  string name = 1;
  string internal_ip = 2;
  // nftables | ipvs | userspace
  string proxy_mode = 3;
  // The pod CIDR this node's bridge and pods already use (registering again
  // after the Node was deleted): kept when still free. Empty for a new node.
  string pod_cidr = 4;
}

message RegisterResponse {
  // The Node as stored, with spec.podCIDR set.
  string node_json = 1;
}

message HeartbeatRequest {
  string name = 1;
}

message HeartbeatResponse {}
`;
