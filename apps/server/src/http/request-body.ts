import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { ErrorCode } from '../graphql/errors.js';

// Reading an HTTP GraphQL request's body, and answering the bodies that cannot be read in GraphQL's error
// shape (Express would answer them with an HTML page). The WebSocket path has its own bound on a message:
// the WebSocketServer's maxPayload (websocket.ts).

/**
 * Batching is off, so a JSON array of operations is one error, however many it holds; this says so in
 * our error shape (Apollo's own answer is a bare 400) and before anything in it is looked at.
 */
function rejectBatches(req: Request, res: Response, next: NextFunction) {
  if (!Array.isArray(req.body)) return next();
  res.status(400).json({
    errors: [
      {
        message:
          'Batched requests (a JSON array of operations) are not accepted: send one operation per request.',
        extensions: { code: ErrorCode.BATCHING_NOT_SUPPORTED },
      },
    ],
  });
}

/** The JSON body of a GraphQL request, at most `maxBytes`, one operation (no batches). */
export function readGraphqlBody(maxBytes: number): RequestHandler[] {
  return [express.json({ limit: maxBytes }), rejectBatches];
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} kB`
      : `${bytes} bytes`;
}

/** Body-parser failures (malformed JSON, a body over the limit) answer in GraphQL's error shape, not HTML. */
export function answerUnreadableBodies(maxBytes: number): ErrorRequestHandler {
  return (
    error: { status?: number; type?: string; message: string },
    _req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? 500;
    if (error.type === 'entity.too.large') {
      const message = `The request body is larger than the ${formatBytes(maxBytes)} this API accepts.`;
      res.status(413).json({
        errors: [{ message, extensions: { code: ErrorCode.REQUEST_TOO_LARGE, maxBytes } }],
      });
      return;
    }
    const message =
      status < 500 ? `The request could not be read: ${error.message}` : 'Internal server error.';
    const code = status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
