// myoperator-webhooks/bullmq: the durable queue on BullMQ (an optional peer dependency, loaded only by this entry).

export {
  BullMQQueue,
  KEEP_COMPLETED,
  QueueUnavailableError,
  type BullMQConnection,
  type BullMQQueueOptions,
  type BullMQRedisClient,
} from './bullmq-queue';
