// What the pod runtime reports about a pod, and how that becomes the
// Kubernetes PodStatus the agent sends to the apiserver.

import type { PodStatus } from '../../api/types.ts';

export interface PodRuntimeStatus {
  namespace: string;
  name: string;
  uid?: string;
  netns: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  podIP?: string;
  restartCount: number;
  pid?: number;
  /** ISO time the current process started */
  startTime?: string;
  /** machine-readable cause: UnsupportedImage, NoContainers, Restarting, CrashLoopBackOff, Completed */
  reason?: string;
  message?: string;
  /** ISO time `ready` last changed (the Ready condition's lastTransitionTime) */
  readyChangedAt?: string;
  /** set once, on the last event of a pod that was removed */
  removed?: boolean;
}

export const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** The status subresource the agent writes: phase, podIP, hostIP, Ready condition, restarts. */
export function toPodStatus(s: PodRuntimeStatus, hostIP: string, now = new Date()): PodStatus {
  const status: PodStatus = {
    phase: s.phase,
    hostIP,
    restartCount: s.restartCount,
    conditions: [
      {
        type: 'Ready',
        status: s.ready ? 'True' : 'False',
        lastTransitionTime: s.readyChangedAt ?? now.toISOString(),
        ...(s.ready ? {} : { reason: s.reason ?? (s.phase === 'Running' ? 'NotReady' : s.phase) }),
        ...(s.message ? { message: s.message } : {}),
      },
    ],
  };
  if (s.podIP) {
    status.podIP = s.podIP;
    status.podIPs = [{ ip: s.podIP }];
  }
  if (s.startTime) status.startTime = s.startTime;
  if (s.message) status.message = s.message;
  return status;
}
