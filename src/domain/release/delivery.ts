/**
 * The failure types of a notification's delivery that retrying cannot fix, so it is dead-lettered at
 * once. Plain data, shared by the activity that throws them and the workflow that stops on them.
 */
export const DeliveryFailure = {
  /** The sink's Secret is missing, unreadable or holds no usable URL. */
  SinkMisconfigured: 'SinkMisconfigured',
  /** The receiver answered with a 4xx other than 408 and 429: the same request will be refused again. */
  NotificationRefused: 'NotificationRefused',
  /** The egress policy refuses the sink's host. */
  EgressRefused: 'EgressRefused',
} as const;
