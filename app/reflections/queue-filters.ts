/** The grading queue's tabs (client-safe: the page lists them). */
export const QUEUE_FILTERS = ["waiting", "graded", "returned", "overdue", "all"] as const;
export type QueueFilter = (typeof QUEUE_FILTERS)[number];
