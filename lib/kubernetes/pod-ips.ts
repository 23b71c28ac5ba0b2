import type { Pod } from './kube-api-types.ts';

/** The pod's IPs: `status.podIPs`, else `status.podIP`; none while it is Pending. */
export function podIPs(pod: Pod): string[] {
  const listed = (pod.status?.podIPs ?? []).flatMap((entry) =>
    typeof entry?.ip === 'string' ? [entry.ip] : [],
  );
  if (listed.length > 0) return listed;
  const single = pod.status?.podIP;
  return typeof single === 'string' && single !== '' ? [single] : [];
}
