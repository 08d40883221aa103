/**
 * `/unsubscribe/{token}`: the link in every e-mail's `List-Unsubscribe` header. A mail
 * client's one-click POST (RFC 8058, body `List-Unsubscribe=One-Click`) unsubscribes at
 * once; a person following the link gets a page with one button, so link scanners that
 * only GET never unsubscribe anyone. A token that does not verify is a 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { readUnsubscribeToken, type UnsubscribeSubject } from '../../outbox/unsubscribe-token.js';

export interface UnsubscribeOptions {
  /** `ARREARS_UNSUBSCRIBE_SECRET`: the key the links are signed with. */
  secret: string;
  optOut(subject: UnsubscribeSubject): Promise<{ recorded: boolean }>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
  `<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto">` +
  `<h1>${title}</h1>${body}</body></html>`;

export const unsubscribeRoutes: FastifyPluginAsync<UnsubscribeOptions> = async (app, options) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, body, done) => done(null, body),
  );
  const subjectOf = (token: string) => readUnsubscribeToken(options.secret, token);
  const schema = {
    hide: true,
    params: {
      type: 'object',
      properties: { token: { type: 'string', maxLength: 512 } },
      required: ['token'],
    },
  } as const;

  app.get<{ Params: { token: string } }>(
    '/unsubscribe/:token',
    { schema },
    async (request, reply) => {
      if (!subjectOf(request.params.token))
        return reply
          .code(404)
          .type('text/html')
          .send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      return reply
        .type('text/html')
        .send(
          page(
            'Stop e-mail from us?',
            `<p>We will stop sending you e-mail about your account.</p>` +
              `<form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`,
          ),
        );
    },
  );

  app.post<{ Params: { token: string } }>(
    '/unsubscribe/:token',
    { schema },
    async (request, reply) => {
      const subject = subjectOf(request.params.token);
      if (!subject)
        return reply
          .code(404)
          .type('text/html')
          .send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      const { recorded } = await options.optOut(subject);
      if (!recorded)
        return reply
          .code(404)
          .type('text/html')
          .send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      return reply
        .type('text/html')
        .send(
          page(
            'You are unsubscribed',
            '<p>You will not receive e-mail from us about your account.</p>',
          ),
        );
    },
  );
};
