/**
 * How a resource of `/api/v1` gets its stores: the composition root registers
 * `provide(deps)` before API_V1_ROUTES, and the routes read them back with `of(app)`
 * (undefined when the server was built without them: those routes answer 503).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

export interface Provided<T> {
  provide(deps: T): FastifyPluginAsync;
  of(app: FastifyInstance): T | undefined;
}

export function provided<T>(name: string): Provided<T> {
  return {
    provide(deps) {
      const plugin: FastifyPluginAsync = async (app) => {
        app.decorate(name, deps as object);
      };
      // Not encapsulated (what fastify-plugin does): sibling plugins see the decoration.
      (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
      return plugin;
    },
    of(app) {
      return app.hasDecorator(name)
        ? ((app as unknown as Record<string, T | undefined>)[name] ?? undefined)
        : undefined;
    },
  };
}
