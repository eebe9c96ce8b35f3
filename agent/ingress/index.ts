// What the agent wires: the pure route table and the HTTP listener.
export { buildRouteTable, emptyRouteTable, route, type RouteResult, type RouteTable } from './routes.ts';
export { INGRESS_HTTP_PORT, INGRESS_NODE_PORT, IngressServerError, startIngressServer, type IngressServer } from './server.ts';
