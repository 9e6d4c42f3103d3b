import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import type { IIngressRule } from 'kubernetes-models/networking.k8s.io/v1/IngressRule'
import type { ManifestOptions } from './manifest-options.js'
import { LABGATE_NAME, OBJECT_LABELS } from './labels.js'

/** An hour: terminals are WebSockets that stay open while a learner works. */
const NGINX_TIMEOUTS = {
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
  'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
}

/** Every path of `host` to labgate's Service. */
function ruleFor(host: string): IIngressRule {
  return {
    host,
    http: {
      paths: [
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: LABGATE_NAME, port: { name: 'http' } } },
        },
      ],
    },
  }
}

/**
 * The Ingress sending the public host and the wildcard session host to labgate's Service, with TLS
 * for both from one Secret. With the `nginx` class it also raises the proxy timeouts to an hour so
 * idle terminal WebSockets are not cut after a minute.
 */
export function labgateIngress(o: ManifestOptions): IIngress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: LABGATE_NAME,
      namespace: o.namespace,
      labels: { ...OBJECT_LABELS },
      ...(o.ingressClass === 'nginx' ? { annotations: { ...NGINX_TIMEOUTS } } : {}),
    },
    spec: {
      ingressClassName: o.ingressClass,
      tls: [{ hosts: [o.host, o.sessionHost], secretName: o.tlsSecret }],
      rules: [ruleFor(o.host), ruleFor(o.sessionHost)],
    },
  }
}
