// The ports every node's ingress listens on (agent/ingress). Shared because
// the NodePort allocator must never hand INGRESS_NODE_PORT to a Service: its
// NodePort DNAT would take the port away from the ingress on every node.

export const INGRESS_HTTP_PORT = 80;
/** The fixed NodePort-style port of the ingress on every node (inside the NodePort range 30000-32767). */
export const INGRESS_NODE_PORT = 30080;
