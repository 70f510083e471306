#!/usr/bin/env python3
"""Peak memory of Lambda bootstraps over a run of events that includes 6 MB ones, under a local Runtime API.

Usage: event_memory_bench.py RUNS LABEL=EXECUTABLE [LABEL=EXECUTABLE...]

Each run starts the executable, hands it SEQUENCE in order on /next, and after the last response reads the
process's peak RSS (VmHWM) and current RSS (VmRSS) from /proc/PID/status. Each round runs every executable
once, alternating which goes first. Every answer must be a /response (an /error fails the run). Prints one
JSON object: per label the median and range of both figures over the runs.
"""
import json, os, statistics, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIX_MB = 6 * 1024 * 1024


def scheduled():
    # Guard's: acknowledged without AWS calls (no detail.task).
    return json.dumps({"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                       "account": "123456789012", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
                       "resources": ["arn:aws:events:us-east-1:123456789012:rule/bench"], "detail": {}}).encode()


def cloudtrail_tag_resource():
    # A real-looking CloudTrail Lambda call Guard parses in full and then ignores (not a deploy): no AWS calls.
    return json.dumps({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.lambda", "account": "123456789012", "time": "2024-08-01T13:52:02Z", "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08", "eventTime": "2024-08-01T13:52:02Z", "eventSource": "lambda.amazonaws.com",
            "eventName": "TagResource20170331v2", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/dev",
                             "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLE", "userName": "dev"},
            "requestParameters": {"resource": "arn:aws:lambda:us-east-1:123456789012:function:orders",
                                  "tags": {"team": "payments", "cost-center": "42"}},
            "responseElements": None, "requestID": "4ae683f5-13be-4305-8267-0d2fc47dd663",
            "eventID": "4672b74f-2466-4784-b3fb-5b4db904a995", "readOnly": False, "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": "123456789012", "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": "lambda.us-east-1.amazonaws.com"}},
    }).encode()


def api_gateway_body(size=SIX_MB):
    # Not Guard's: one big string (an upload through API Gateway, a direct invoke with a big argument).
    head = b'{"resource":"/upload","path":"/upload","httpMethod":"POST","headers":{"content-type":"text/plain"},"isBase64Encoded":false,"body":"'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def sqs_batch(size=SIX_MB):
    # Not Guard's: many small tokens (an SQS or Kinesis batch).
    record = '{"messageId":"m%d","eventSource":"aws:sqs","attributes":{"ApproximateReceiveCount":"1"},"values":[1,2,3,4,5,6,7,8],"body":"hi"}'
    parts, length, i = [], 0, 0
    while length < size - 200:
        part = record % i
        parts.append(part)
        length += len(part) + 1
        i += 1
    return ('{"Records":[' + ",".join(parts) + "]}").encode()


SEQUENCE = [("scheduled", scheduled()), ("cloudtrail", cloudtrail_tag_resource()),
            ("6MB body", api_gateway_body()), ("6MB batch", sqs_batch())] * 2 + [("cloudtrail", cloudtrail_tag_resource())]


class Run:
    def __init__(self):
        self.served = 0
        self.answers = []
        self.done = threading.Event()
        self.release = threading.Event()


RUN = Run()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the killed process drops its /next connection: expected


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/invocation/next"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if RUN.served == len(SEQUENCE):
            RUN.release.wait(60)  # long poll, as Lambda does between events
            self.send_response(410)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        _, event = SEQUENCE[RUN.served]
        RUN.served += 1
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"bench-{RUN.served}")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(event)))
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        RUN.answers.append((self.path.rsplit("/", 1)[-1], body.decode("utf-8", "replace")))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if len(RUN.answers) == len(SEQUENCE):
            RUN.done.set()


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/{pid}/status")


def run_once(executable, env):
    global RUN
    RUN = Run()
    process = subprocess.Popen([executable], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not RUN.done.wait(120):
        process.kill()
        raise SystemExit(f"{executable}: {len(RUN.answers)} of {len(SEQUENCE)} answers within 120 s")
    time.sleep(0.05)  # let it return to /next, so the figures include the loop's state between events
    peak, resident = status_kib(process.pid, "VmHWM"), status_kib(process.pid, "VmRSS")
    RUN.release.set()
    process.kill()
    process.wait()
    errors = [(i, body) for i, (kind, body) in enumerate(RUN.answers) if kind != "response"]
    if errors:
        raise SystemExit(f"{executable}: event {errors[0][0]} ({SEQUENCE[errors[0][0]][0]}) answered with an error: {errors[0][1]}")
    return peak, resident


def main():
    runs = int(sys.argv[1])
    subjects = [argument.split("=", 1) for argument in sys.argv[2:]]
    server = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
           "GUARD_MODE": "alert"}
    samples = {label: [] for label, _ in subjects}
    for round_number in range(runs):
        for label, executable in (subjects if round_number % 2 == 0 else list(reversed(subjects))):
            samples[label].append(run_once(executable, env))
    server.shutdown()

    result = {"runs": runs, "events": [name for name, _ in SEQUENCE],
              "eventBytes": [len(event) for _, event in SEQUENCE]}
    for label, _ in subjects:
        peaks, residents = zip(*samples[label])
        result[label] = {
            "peakRssMiB": round(statistics.median(peaks) / 1024, 1),
            "peakRssRangeMiB": [round(min(peaks) / 1024, 1), round(max(peaks) / 1024, 1)],
            "finalRssMiB": round(statistics.median(residents) / 1024, 1),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
