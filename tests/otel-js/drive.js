// Emits telemetry shaped like one agent's (Claude Code, Gemini CLI, Codex,
// docker-agent) through the OpenTelemetry JS SDK's real OTLP exporters, to
// a telguard gateway, with planted values in every place they travel.
//
//   node drive.js BASE_URL PROFILE json|protobuf
//   TG_PLANT='{"prompt":"...","email":"...","key":"...","path":"...","token":"..."}'
//
// Exits 0 when every export was answered with success, 1 otherwise.
'use strict';
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [base, profile, protocol] = process.argv.slice(2);
const plant = JSON.parse(process.env.TG_PLANT);
const pkg = (signal) => `@opentelemetry/exporter-${signal}-otlp-${protocol === 'json' ? 'http' : 'proto'}`;
const { OTLPLogExporter } = require(pkg('logs'));
const { OTLPMetricExporter } = require(pkg('metrics'));
const { OTLPTraceExporter } = require(pkg('trace'));

const results = [];
function watched(exporter) {
  const orig = exporter.export.bind(exporter);
  exporter.export = (items, cb) => orig(items, (r) => {
    results.push(r.code === 0 ? 'ok' : `failed: ${r.error ? r.error.message : r.code}`);
    cb(r);
  });
  return exporter;
}

const secretText = `${plant.prompt} ${plant.email} ${plant.key} ${plant.path} ${plant.token}`;
const toolParams = JSON.stringify({ bash_command: `cat ${plant.path}`, description: plant.prompt, token: plant.key });

// Per agent: service and scope names, log events, metrics, spans.
const agents = {
  'claude-code': {
    service: 'claude-code', logScope: 'com.anthropic.claude_code.events', meterScope: 'com.anthropic.claude_code',
    common: { 'session.id': plant.token, 'user.email': plant.email, 'user.account_uuid': plant.token,
              'organization.id': plant.token, 'app.version': '2.0.14', 'terminal.type': 'vscode' },
    logs: [
      { body: 'claude_code.user_prompt', attributes: { 'event.name': 'user_prompt', prompt: secretText, prompt_length: '118' } },
      { body: 'claude_code.tool_result', attributes: { 'event.name': 'tool_result', tool_name: 'Bash', success: 'true',
        duration_ms: 41, tool_parameters: toolParams, error: `cannot open ${plant.path}: ${plant.key}` } },
      { body: 'claude_code.api_request', attributes: { 'event.name': 'api_request', model: 'claude-sonnet-4-5',
        input_tokens: 1200, output_tokens: 310, cost_usd: 0.0123, duration_ms: 2100 } },
      { body: 'claude_code.api_error', attributes: { 'event.name': 'api_error', model: 'claude-sonnet-4-5',
        error: `401 invalid x-api-key ${plant.key} for ${plant.email}`, status_code: '401' } },
      { body: secretText, attributes: { 'event.name': 'made_up_event', prompt: secretText } },
    ],
    metrics: [['claude_code.token.usage', 1200, { type: 'input', model: 'claude-sonnet-4-5' }],
              ['claude_code.cost.usage', 0.0123, { model: 'claude-sonnet-4-5' }],
              ['claude_code.secret.metric', 1, { prompt: secretText }]],
    spans: [],
    expect: ['claude_code.api_request', 'claude-sonnet-4-5', 'input_tokens', 'claude_code.token.usage', 'cost_usd'],
  },
  'gemini-cli': {
    service: 'gemini-cli', logScope: 'gemini-cli', meterScope: 'gemini-cli',
    common: { 'session.id': plant.token, 'installation.id': plant.token, 'user.email': plant.email },
    logs: [
      { body: `User prompt. ${secretText}`, attributes: { 'event.name': 'gemini_cli.user_prompt', prompt: secretText,
        prompt_length: 118, prompt_id: plant.token } },
      { body: `API request to gemini-2.5-pro. ${secretText}`, attributes: { 'event.name': 'gemini_cli.api_request',
        model: 'gemini-2.5-pro', request_text: secretText } },
      { body: 'API response', attributes: { 'event.name': 'gemini_cli.api_response', model: 'gemini-2.5-pro',
        status_code: 200, duration_ms: 930, input_token_count: 800, output_token_count: 120, response_text: secretText } },
      { body: 'Tool call', attributes: { 'event.name': 'gemini_cli.tool_call', function_name: 'run_shell_command',
        function_args: toolParams, duration_ms: 12, success: true, error: `no such file ${plant.path}` } },
    ],
    metrics: [['gemini_cli.token.usage', 800, { model: 'gemini-2.5-pro', type: 'input' }],
              ['gemini_cli.api.request.count', 1, { model: 'gemini-2.5-pro', status_code: 200, error_type: plant.token }]],
    spans: [],
    expect: ['gemini_cli.api_response', 'gemini-2.5-pro', 'input_token_count', 'gemini_cli.token.usage'],
  },
  codex: {
    service: 'codex-cli', logScope: 'codex_otel', meterScope: 'codex_otel',
    common: { 'conversation.id': plant.token, 'user.email': plant.email, 'user.account_id': plant.token,
              model: 'gpt-5-codex', 'app.version': '0.46.0' },
    logs: [
      { body: 'codex.user_prompt', attributes: { 'event.name': 'codex.user_prompt', prompt: secretText, prompt_length: 118 } },
      { body: 'codex.tool_result', attributes: { 'event.name': 'codex.tool_result', tool_name: 'shell', call_id: plant.token,
        arguments: toolParams, output: secretText, duration_ms: 55, success: 'true' } },
      { body: 'codex.sse_event', attributes: { 'event.name': 'codex.sse_event', 'event.kind': 'response.completed',
        input_token_count: 900, output_token_count: 200, duration_ms: 1500 } },
      { body: 'codex.api_request', attributes: { 'event.name': 'codex.api_request', attempt: 1, duration_ms: 300,
        'http.response.status_code': 500, 'error.message': `upstream said ${plant.key} ${plant.prompt}` } },
    ],
    metrics: [],
    spans: [],
    expect: ['codex.sse_event', 'gpt-5-codex', 'input_token_count', 'response.completed'],
  },
  'docker-agent': {
    service: 'docker-agent', logScope: 'github.com/docker/docker-agent', meterScope: 'github.com/docker/docker-agent',
    common: {},
    logs: [],
    metrics: [],
    spans: [
      { name: 'chat', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.usage.input_tokens': 500, 'gen_ai.input.messages': secretText, session_id: plant.token, user_uuid: plant.token },
        status: { code: 2, message: `failed reading ${plant.path} with ${plant.key}` },
        event: ['exception', { 'exception.type': 'ToolError', 'exception.message': secretText, 'exception.stacktrace': secretText }] },
      { name: 'execute_tool', attributes: { 'gen_ai.tool.name': 'shell', 'gen_ai.tool.call.arguments': toolParams,
        'gen_ai.tool.call.result': secretText, is_success: true } },
      { name: `custom ${plant.prompt}`, attributes: { args: secretText } },
    ],
    expect: ['execute_tool', 'gen_ai.request.model', 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens'],
  },
};

async function main() {
  const a = agents[profile];
  if (!a) throw new Error(`unknown profile ${profile}`);
  const resource = resourceFromAttributes({
    'service.name': a.service, 'service.version': '1.2.3', 'os.type': 'linux', 'host.arch': 'amd64',
    'host.name': `${plant.token}-laptop`, 'process.command_args': [plant.path, plant.prompt],
    'user.email': plant.email,
  });
  const url = (p) => `${base}${p}`;
  if (a.logs.length) {
    const provider = new LoggerProvider({ resource,
      processors: [new SimpleLogRecordProcessor(watched(new OTLPLogExporter({ url: url('/v1/logs') })))] });
    const logger = provider.getLogger(a.logScope, '1.0.0');
    for (const l of a.logs) logger.emit({ body: l.body, attributes: { ...a.common, ...l.attributes }, severityNumber: 9 });
    await provider.forceFlush();
    await provider.shutdown();
  }
  if (a.metrics.length) {
    const reader = new PeriodicExportingMetricReader({
      exporter: watched(new OTLPMetricExporter({ url: url('/v1/metrics') })), exportIntervalMillis: 600000 });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter(a.meterScope, '1.0.0');
    for (const [name, v, attrs] of a.metrics) meter.createCounter(name).add(v, { ...a.common, ...attrs });
    await provider.forceFlush();
    await provider.shutdown();
  }
  if (a.spans.length) {
    const provider = new BasicTracerProvider({ resource,
      spanProcessors: [new SimpleSpanProcessor(watched(new OTLPTraceExporter({ url: url('/v1/traces') })))] });
    const tracer = provider.getTracer(a.logScope, '1.0.0');
    for (const s of a.spans) {
      const span = tracer.startSpan(s.name, { attributes: s.attributes });
      if (s.event) span.addEvent(s.event[0], s.event[1]);
      if (s.status) span.setStatus(s.status);
      span.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
  }
  process.stdout.write(JSON.stringify({ results, expect: a.expect }) + '\n');
  const bad = results.filter((r) => r !== 'ok');
  process.exit(results.length > 0 && bad.length === 0 ? 0 : 1);
}

main().catch((e) => { process.stderr.write(`drive.js: ${e.message}\n`); process.exit(2); });
