import type { FastifyReply } from 'fastify';

/** Every error answer has this shape: a stable code, a human message, optional details. */
export interface ApiError {
  error: string;
  message: string;
  details?: unknown;
}

export function sendError(reply: FastifyReply, status: number, error: string, message: string, details?: unknown) {
  const body: ApiError = { error, message };
  if (details !== undefined) body.details = details;
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
