import { createHash } from 'node:crypto'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IProbe } from 'kubernetes-models/v1/Probe'
import type { ManifestOptions } from './manifest-options.js'
import { LABGATE_NAME, OBJECT_LABELS, SELECTOR_LABELS } from './labels.js'

/** The port `labgate serve` listens on in the pod (its default), named `http` for the Service and probes. */
export const LABGATE_PORT = 8080
/** Where the ConfigMap's `portal.yaml` is mounted. */
export const CONFIG_DIR = '/etc/labgate'
/** Where the data emptyDir is mounted: PostgreSQL holds everything durable, so nothing here must last. */
export const DATA_VOLUME_DIR = '/var/lib/labgate'
/**
 * labgate's `--data` directory, inside the emptyDir rather than the emptyDir itself: labgate makes its
 * data directory 0700 and so must own it, and a volume's root belongs to root.
 */
export const DATA_DIR = `${DATA_VOLUME_DIR}/data`
/** The uid and gid labgate runs as (the `node` user of the node image). */
export const LABGATE_UID = 1000

/** The ConfigMap holding the portal definition. */
export const portalConfigMapName = () => `${LABGATE_NAME}-portal`

/**
 * The arguments of the container (its entrypoint is `labgate`): serve the portal from the mounted
 * ConfigMap on all of the pod's addresses, with the public URL of the host and this replica's own address
 * for its peers. PostgreSQL comes from `$LABGATE_DATABASE_URL`; the one proxy in front (the Ingress
 * controller) is trusted for the client address.
 */
export function serveArgs(o: ManifestOptions): string[] {
  return [
    'serve',
    '--config',
    `${CONFIG_DIR}/portal.yaml`,
    '--data',
    DATA_DIR,
    '--host',
    '0.0.0.0',
    '--port',
    String(LABGATE_PORT),
    '--public-url',
    `https://${o.host}`,
    '--replica-address',
    `http://$(POD_IP):${LABGATE_PORT}`,
    '--trust-proxy',
    '1',
  ]
}

/** A probe of `GET /healthz`, which answers 200 once start-up (migrations, first reconcile) is done. */
function healthz(periodSeconds: number, failureThreshold: number): IProbe {
  return {
    httpGet: { path: '/healthz', port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  }
}

/**
 * The Deployment of `o.replicas` labgate servers: non-root, read-only root filesystem, every capability
 * dropped; the database URL from its Secret (`secretKeyRef`, never a value); readiness and liveness on
 * `/healthz` behind a start-up probe that allows five minutes for the first start; replicas spread over
 * nodes where the scheduler can. The pod template carries the portal's SHA-256, so a changed portal rolls
 * the replicas.
 */
export function labgateDeployment(o: ManifestOptions): IDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: LABGATE_NAME, namespace: o.namespace, labels: { ...OBJECT_LABELS } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...SELECTOR_LABELS } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...OBJECT_LABELS },
          annotations: { 'checksum/portal': createHash('sha256').update(o.portalYaml).digest('hex') },
        },
        spec: {
          serviceAccountName: LABGATE_NAME,
          automountServiceAccountToken: true,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: LABGATE_UID,
            runAsGroup: LABGATE_UID,
            fsGroup: LABGATE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: { ...SELECTOR_LABELS } },
                    topologyKey: 'kubernetes.io/hostname',
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: LABGATE_NAME,
              image: o.image,
              args: serveArgs(o),
              ports: [{ name: 'http', containerPort: LABGATE_PORT, protocol: 'TCP' }],
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                {
                  name: 'LABGATE_DATABASE_URL',
                  valueFrom: { secretKeyRef: { name: o.databaseSecret, key: o.databaseSecretKey } },
                },
              ],
              startupProbe: healthz(5, 60),
              readinessProbe: healthz(5, 3),
              livenessProbe: healthz(10, 6),
              resources: {
                requests: { cpu: '250m', memory: '256Mi' },
                limits: { cpu: '2', memory: '1Gi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'portal', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'data', mountPath: DATA_VOLUME_DIR },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'portal', configMap: { name: portalConfigMapName() } },
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  }
}
