/**
 * The error registry: every error Sluice returns to a client or prints to an operator has a
 * stable code here, an HTTP status, and a message that says what to do. Code switches on `code`,
 * never on message text. docs/errors.md lists every code; errors.test.ts keeps the two in step.
 */

export interface ErrorSpec {
  /** HTTP status sent to clients; CLI-only errors use 400/500 for symmetry. */
  readonly status: number;
  /** What happened and what to do about it. Details are appended by the caller. */
  readonly message: string;
}

export const ERRORS = {
  // --- tenant identity and state (sidecar ingress) ---
  SLUICE_TENANT_UNKNOWN: {
    status: 401,
    message:
      'No tenant matches this API key. Send the tenant key in "Authorization: Bearer <key>" or "x-api-key".',
  },
  SLUICE_TENANT_SUSPENDED: {
    status: 403,
    message: 'This tenant is suspended. Contact the platform team; requests are refused until it is resumed.',
  },
  // --- limits ---
  SLUICE_RATE_LIMITED: {
    status: 429,
    message: 'The tenant exceeded its request rate limit. Retry after the number of seconds in Retry-After.',
  },
  SLUICE_CONCURRENCY_LIMITED: {
    status: 429,
    message: 'The tenant has too many requests in flight. Wait for one to finish, then retry.',
  },
  SLUICE_QUEUE_FULL: {
    status: 503,
    message: "The tenant's queue is full while the service is busy. Retry after the seconds in Retry-After.",
  },
  SLUICE_QUEUE_TIMEOUT: {
    status: 503,
    message:
      "The service stayed busy longer than the tier's queue timeout. Retry after the seconds in Retry-After.",
  },
  SLUICE_BUDGET_EXHAUSTED: {
    status: 429,
    message:
      "The tenant's token or cost budget for this period is used up. Wait for the next period or raise the budget.",
  },
  SLUICE_BUDGET_PENDING: {
    status: 429,
    message:
      "The tenant's budget is held by answers still in flight, or cannot be confirmed while the budget store is unreachable. Retry after the seconds in Retry-After.",
  },
  // --- request content ---
  SLUICE_BAD_REQUEST: {
    status: 400,
    message:
      'The request could not be read as sent. Send valid JSON (UTF-8, no duplicate keys) with the documented fields; the detail says what was wrong.',
  },
  SLUICE_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message:
      'The body type or encoding is not accepted. Send JSON (Content-Type: application/json, UTF-8, no Content-Encoding), or a type the tenant policy lists in spec.ingress.contentTypes.',
  },
  SLUICE_REQUEST_TIMEOUT: {
    status: 408,
    message:
      'The request did not arrive in time. Send the headers and the whole body within the client timeout.',
  },
  SLUICE_URI_TOO_LONG: {
    status: 414,
    message: 'The request target (path and query string) is too long. Send the parameters in a JSON body.',
  },
  SLUICE_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are too large. Send fewer or smaller headers.',
  },
  SLUICE_HTTP_VERSION_UNSUPPORTED: {
    status: 505,
    message: 'This HTTP version is not supported. Use HTTP/1.1 (or HTTP/1.0).',
  },
  SLUICE_ROUTE_UNKNOWN: {
    status: 404,
    message:
      'Sluice has no route for this method and path. The egress serves POST /v1/chat/completions, POST /v1/messages and GET /v1/models.',
  },
  SLUICE_METHOD_NOT_ALLOWED: {
    status: 405,
    message:
      'This method is not accepted by the sidecar (CONNECT, TRACE). Use GET, POST, PUT, PATCH, DELETE or OPTIONS.',
  },
  SLUICE_BODY_TOO_LARGE: {
    status: 413,
    message:
      'The request body is larger than the sidecar accepts. Send a smaller body or raise --body-limit.',
  },
  SLUICE_PROMPT_REJECTED: {
    status: 400,
    message:
      'The prompt was rejected by prompt screening. Rephrase the request without instructions aimed at the model.',
  },
  SLUICE_TEMPLATE_INVALID: {
    status: 400,
    message:
      'The prompt template is not valid. Use literal text and {{name}} placeholders with allowlisted names only.',
  },
  SLUICE_TEMPLATE_VARIABLE_UNKNOWN: {
    status: 400,
    message:
      "A template variable is not allowed for this template. Send only query, context, tenant_name and the names in the template's variables list.",
  },
  SLUICE_TEMPLATE_UNKNOWN: {
    status: 400,
    message: 'The tenant has no prompt template of that name. Use one listed in spec.promptTemplates.',
  },
  SLUICE_MODEL_NOT_ALLOWED: {
    status: 400,
    message: "The requested model is not allowed for this tenant. Omit 'model' or use one of GET /v1/models.",
  },
  // --- upstream ---
  SLUICE_UPSTREAM_UNAVAILABLE: {
    status: 502,
    message: 'The upstream could not be reached. Retry later; if it persists, check the upstream service.',
  },
  SLUICE_UPSTREAM_RATE_LIMITED: {
    status: 429,
    message:
      "The model provider is rate limiting and the tenant's fallbackOn does not include rate-limited. Retry after the seconds in Retry-After.",
  },
  SLUICE_UPSTREAM_TIMEOUT: {
    status: 504,
    message: 'The upstream did not answer in time. Retry later or raise the upstream timeout.',
  },
  SLUICE_ALL_MODELS_FAILED: {
    status: 502,
    message:
      "Every model in the tenant's fallback chain failed. Retry later; see sluice-fallback and the metrics.",
  },
  SLUICE_STREAM_INTERRUPTED: {
    status: 502,
    message:
      'The model stream broke after the answer had started. The answer is incomplete; retry the request.',
  },
  SLUICE_INTERNAL: {
    status: 500,
    message:
      "Sluice failed on its own while handling this request (a bug, not the app's or the provider's fault). Retry; if it persists, report it with the time of the request.",
  },
  SLUICE_NOT_READY: {
    status: 503,
    message:
      'The sidecar has not loaded a policy set yet. Retry in a moment; check /readyz and the sidecar logs.',
  },
  // --- configuration (CLI, operator, start-up) ---
  SLUICE_POLICY_INVALID: {
    status: 422,
    message: 'The TenantPolicy is not valid. Fix the named field as described and apply it again.',
  },
  SLUICE_CONFIG_INVALID: {
    status: 500,
    message:
      'A setting is not valid, so the process did not start. Fix the named flag or environment variable.',
  },
  SLUICE_FILE_UNREADABLE: {
    status: 400,
    message: 'A file could not be read or parsed. Check the path and that it holds valid YAML or JSON.',
  },
  // --- kubectl sluice (cli/plugin/) ---
  SLUICE_ARGUMENT_INVALID: {
    status: 400,
    message: 'A command-line argument is not valid. Fix it as described; --help lists every flag.',
  },
  SLUICE_TENANT_NOT_FOUND: {
    status: 404,
    message:
      'No TenantPolicy has that name or tenant id in the namespace. Check -n/--namespace and the spelling; `kubectl sluice status` lists the tenants.',
  },
  SLUICE_TENANT_AMBIGUOUS: {
    status: 409,
    message:
      'The name matches one TenantPolicy by name and another by tenant id. Say which: tenantpolicy/NAME for the object name, tenant/ID for the tenant id.',
  },
  SLUICE_TENANT_EXISTS: {
    status: 409,
    message:
      'A TenantPolicy, Secret or tenant id of that name already exists. Choose another name, or change the existing tenant instead.',
  },
  SLUICE_FORBIDDEN: {
    status: 403,
    message:
      'Your Kubernetes user may not do this. Ask for the role named in docs/operations.md (RBAC for kubectl sluice), or use --context for a user that has it.',
  },
  SLUICE_UNAUTHENTICATED: {
    status: 401,
    message:
      'The API server did not accept your credentials. Log in again (refresh the token or certificate in your kubeconfig) or pick another --context.',
  },
  SLUICE_CRD_NOT_INSTALLED: {
    status: 404,
    message:
      'The TenantPolicy CRD is not installed in this cluster. Install Sluice (helm install, or kubectl apply -f crds/) or pick the right --context.',
  },
  SLUICE_CLUSTER_UNREACHABLE: {
    status: 502,
    message:
      'The Kubernetes API server could not be reached. Check --context / --kubeconfig and that the cluster is up.',
  },
  SLUICE_STORE_UNREACHABLE: {
    status: 502,
    message:
      'Redis, Postgres or Prometheus could not be reached or queried. Check the URL given (--redis-url, --database-url, --prometheus), e.g. through kubectl port-forward.',
  },
  SLUICE_NOT_PROPAGATED: {
    status: 504,
    message:
      'The change is written but the operator did not report it in effect on the sidecars in time. It stays and applies when they catch up; see `kubectl sluice status TENANT` and the operator logs.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * What an error carries besides its code and detail, for the one error handler of every listener
 * (sidecar/request/error-handler.ts, docs/adr/0036-structured-errors.md). All optional: the
 * constructor's first two arguments are unchanged, so `new SluiceError(code, detail)` still works.
 */
export interface SluiceErrorOptions {
  cause?: unknown;
  /** Response headers the answer carries (lower-case names): Retry-After, RateLimit, ... */
  headers?: Readonly<Record<string, string>>;
  /** The rule that fired (a screening rule, a limit's name), for logs and metrics. */
  rule?: string;
  /** Machine-readable facts behind the detail (limit, window, seconds), for logs and tests. */
  details?: Readonly<Record<string, unknown>>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** An error with a registry code. `detail` says what exactly was wrong (field, value, limit). */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly rule: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, detail?: string, options?: SluiceErrorOptions) {
    const spec = ERRORS[code];
    super(
      detail ? `${detail}. ${spec.message}` : spec.message,
      options && 'cause' in options ? { cause: options.cause } : undefined,
    );
    this.name = 'SluiceError';
    this.code = code;
    this.status = spec.status;
    this.detail = detail;
    this.headers = options?.headers ?? NO_HEADERS;
    this.rule = options?.rule;
    this.details = options?.details;
  }

  /**
   * The JSON body sent to HTTP clients: `{ error: { code, message } }`, byte for byte what it has
   * always been. Headers, rule and details go to the answer's headers and to the logs, not into
   * the body (docs/adr/0036-structured-errors.md).
   */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}
