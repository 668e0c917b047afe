/** The alert engine's Prometheus metrics (docs/alerts.md). */
import { Counter, Histogram, type Registry } from 'prom-client';

export function alertMetrics(registry: Registry) {
  return {
    alerts: new Counter({
      name: 'xueliang_alerts_total',
      help: 'Alerts raised, by source kind',
      labelNames: ['source'],
      registers: [registry],
    }),
    changes: new Counter({
      name: 'xueliang_task_changes_total',
      help: 'Task events applied, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'xueliang_alert_batch_seconds',
      help: 'From a stored batch handed over to its task changes applied and sent',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'xueliang_alert_errors_total',
      help: 'Batches, notifications or store writes that failed',
      labelNames: ['stage'],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'xueliang_webhook_calls_total',
      help: 'Webhook calls by result (ok, retry, dead)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

export type AlertMetrics = ReturnType<typeof alertMetrics>;
