import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelKey, parseExposition, parseSampleLine } from './exposition.js';

// The example of the Prometheus exposition-format documentation, plus labelled histograms.
const SPEC_EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

test('parses the exposition-format documentation example into families', () => {
  const { families, errors } = parseExposition(SPEC_EXAMPLE);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    families.map((f) => [f.name, f.type, f.samples.length]),
    [
      ['http_requests_total', 'counter', 2],
      ['msdos_file_access_time_seconds', 'untyped', 1],
      ['metric_without_timestamp_and_labels', 'untyped', 1],
      ['something_weird', 'untyped', 1],
      ['http_request_duration_seconds', 'histogram', 5],
      ['rpc_duration_seconds', 'summary', 4],
    ],
  );
  const [req] = families;
  assert.equal(req.help, 'The total number of HTTP requests.');
  assert.deepEqual(req.samples[0], { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027 });
  assert.deepEqual(families[1].samples[0].labels, { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
  assert.equal(families[3].samples[0].value, Infinity);
  assert.equal(families[4].samples[2].labels.le, '+Inf');
});

test('keeps the label sets of a labelled histogram apart', () => {
  const text = `# TYPE d histogram
d_bucket{route="/a",le="0.1"} 1
d_bucket{route="/a",le="+Inf"} 2
d_bucket{route="/b",le="0.1"} 5
d_bucket{route="/b",le="+Inf"} 9
d_sum{route="/a"} 0.3
d_count{route="/a"} 2
`;
  const [f] = parseExposition(text).families;
  const b = f.samples.filter((s) => s.name === 'd_bucket' && s.labels.route === '/b').map((s) => [s.labels.le, s.value]);
  assert.deepEqual(b, [
    ['0.1', 5],
    ['+Inf', 9],
  ]);
});

test('accepts OpenMetrics counters (_total samples, # EOF, exemplars) and reports bad lines without giving up', () => {
  const text = `# TYPE jobs counter
jobs_total{q="a"} 7 # {trace_id="abc"} 1.0
jobs_created{q="a"} 1.6e9
this is not a metric
ok_gauge 3
# EOF
`;
  const { families, errors } = parseExposition(text);
  assert.deepEqual(families.map((f) => f.name), ['jobs', 'ok_gauge']);
  assert.equal(families[0].samples[0].value, 7);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 4);
});

test('sample lines: spaces, trailing commas, NaN', () => {
  assert.deepEqual(parseSampleLine('a{ x = "1" , } NaN').labels, { x: '1' });
  assert.ok(Number.isNaN(parseSampleLine('a NaN').value));
  assert.throws(() => parseSampleLine('a{x="1"'), /unterminated|expected/);
  assert.throws(() => parseSampleLine('a'), /no value/);
});

test('labelKey sorts pairs and can leave one out', () => {
  assert.equal(labelKey({ b: '2', a: '1', le: '0.5' }, 'le'), 'a="1",b="2"');
  assert.equal(labelKey({}), '');
});
