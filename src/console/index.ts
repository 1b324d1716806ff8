/** Public surface of the operator web console (no authentication: bind it to loopback only). */
export { startConsoleServer, publicDir, type ConsoleServer, type ConsoleServerOptions } from './console-server';
export { routeApi, temporalUiLink, NotFoundError, MethodNotAllowedError, type ApiRequest, type ApiResult, type ConsoleContext } from './console-routes';
