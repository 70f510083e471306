"""Peak RSS of one warm Guard Lambda process with the store on, over a mixed set of events (store-memory.sh runs it).

The real Guard function process (whatever BOOTSTRAP names) runs under a Lambda Runtime API stand-in, its AWS calls go to
a moto_server (AWS_ENDPOINT_URL) and moto's unfetchable Code.Location / Content.Location are served, with Range, from
files on disk by a local server (GUARD_CODE_LOCATION_REWRITE, the emulator-only seam). After each answer the process's
VmHWM (peak resident set) is read from /proc; each run is a fresh process and a fresh store bucket.
"""
import argparse
import base64
import hashlib
import http.server
import io
import json
import os
import queue
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

import boto3

ACCOUNT = "123456789012"
REGION = "us-east-1"
MOTO_CODE_HOST = f"https://awslambda-{REGION}-tasks.s3.{REGION}.amazonaws.com/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Files(http.server.ThreadingHTTPServer):
    """Serves registered paths from files on disk, honouring single Range requests (Guard reads packages by range)."""

    daemon_threads = True

    def __init__(self):
        self.paths = {}
        super().__init__(("127.0.0.1", 0), FileHandler)

    def handle_error(self, request, client_address):
        # Guard closes a range connection it no longer needs: a reset mid-answer is expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class FileHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.server.paths.get(self.path.split("?")[0])
        if path is None:
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start, end = 0, size - 1
        match = re.match(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if match:
            first, last = match.groups()
            if first == "":
                start = max(0, size - int(last))
            else:
                start = int(first)
                end = min(size - 1, int(last)) if last else size - 1
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                self.wfile.write(chunk)
                left -= len(chunk)


class LambdaProxy(http.server.ThreadingHTTPServer):
    """Forwards Lambda API calls to moto; answers GetLayerVersionByArn itself, with a fetchable Content.Location."""

    daemon_threads = True

    def __init__(self, moto):
        self.moto = moto.rstrip("/")
        super().__init__(("127.0.0.1", 0), LambdaProxyHandler)


class LambdaProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.forward()

    def do_POST(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_DELETE(self):
        self.forward()

    def forward(self):
        import urllib.error
        import urllib.parse
        import urllib.request
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        path, _, query = self.path.partition("?")
        arn = urllib.parse.parse_qs(query).get("Arn", [None])[0] if path.rstrip("/").endswith("/layers") else None
        target = self.path
        if arn is not None:
            # arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
            name, version = arn.split(":")[6:8]
            target = f"/2018-10-31/layers/{name}/versions/{version}"
        request = urllib.request.Request(self.server.moto + target, data=body if self.command != "GET" else None, method=self.command,
                                         headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")})
        try:
            with urllib.request.urlopen(request) as response:
                status, answer, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as e:
            status, answer, headers = e.code, e.read(), e.headers
        if arn is not None and status == 200:
            document = json.loads(answer)
            document["Content"]["Location"] = f"{MOTO_CODE_HOST}layers/{name}-{version}.zip"
            answer = json.dumps(document).encode()
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class RuntimeApi(http.server.ThreadingHTTPServer):
    """The Lambda Runtime API as a function process sees it: /next hands out one event, /response and /error answer it."""

    daemon_threads = True

    def __init__(self):
        self.events = queue.Queue()
        self.answers = queue.Queue()
        super().__init__(("127.0.0.1", 0), RuntimeHandler)


class RuntimeHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        request_id, body = self.server.events.get()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:guard")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = "error" if self.path.endswith("/error") else "response"
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.answers.put((kind, self.path, body))


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bootstrap_elf(work):
    """A static x86_64 executable built by gcc: a bootstrap provided.al2023 can exec."""
    source = os.path.join(work, "bootstrap.c")
    with open(source, "w") as f:
        f.write("int main(void) { return 0; }\n")
    out = os.path.join(work, "bootstrap")
    subprocess.run(["gcc", "-static", "-O2", "-o", out, source], check=True)
    with open(out, "rb") as f:
        return f.read()


def shared_library(work, index):
    """A small x86_64 shared library built by gcc, as a layer's lib/ carries them."""
    source = os.path.join(work, f"layer{index}.c")
    with open(source, "w") as f:
        f.write(f"int guard_bench_layer_{index}(int x) {{ return x + {index}; }}\n")
    out = os.path.join(work, f"libbench{index}.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", out, source], check=True)
    with open(out, "rb") as f:
        return f.read()


def write_layer(path, index, library):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(f"lib/libbench{index}.so", date_time=(2024, 1, 1, 0, 0, 0)), library)
        z.writestr(zipfile.ZipInfo(f"share/bench{index}/README.txt", date_time=(2024, 1, 1, 0, 0, 0)), f"layer {index}\n" * 200)
    return path


def write_zip(path, elf, filler_bytes=0, small_entries=0, marker=""):
    info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 << 16)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(info, elf)
        z.writestr("README.txt", "build " + marker)
        if filler_bytes:
            # Incompressible, stored: the zip is as large as the filler. Written in 8 MiB pieces, not held whole.
            with z.open(zipfile.ZipInfo("assets.bin", date_time=(2024, 1, 1, 0, 0, 0)), "w", force_zip64=False) as asset:
                left = filler_bytes
                rng = random.Random(filler_bytes)
                while left > 0:
                    n = min(left, 8 << 20)
                    asset.write(rng.randbytes(n))
                    left -= n
        for i in range(small_entries):
            z.writestr(f"static/f{i:05d}.txt", "x")
    return path


def sha256_b64(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def deploy_event(event_name, function_name, code_sha256):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    detail = {
        "eventVersion": "1.08", "eventSource": "lambda.amazonaws.com", "eventName": event_name, "awsRegion": REGION,
        "eventTime": "2024-08-01T13:52:02Z", "eventID": str(uuid.uuid4()), "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/bench"},
        "requestParameters": {"functionName": arn},
        "responseElements": {"functionName": function_name, "functionArn": arn, "codeSha256": code_sha256, "runtime": "provided.al2023"},
    }
    envelope = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail", "source": "aws.lambda",
                "account": ACCOUNT, "time": "2024-08-01T13:52:02Z", "region": REGION, "resources": [], "detail": detail}
    return json.dumps(envelope).encode()


def api_gateway_event(size=6 * 1024 * 1024):
    head = '{"resource":"/upload","path":"/upload","httpMethod":"POST","headers":{},"isBase64Encoded":false,"body":"'
    tail = '"}'
    return (head + "x" * (size - len(head) - len(tail)) + tail).encode()


def sqs_batch(size=6 * 1024 * 1024):
    records, length, i = [], 20, 0
    while length < size - 200:
        record = json.dumps({"messageId": f"m{i}", "eventSource": "aws:sqs", "values": [1, 2, 3, 4, 5, 6, 7, 8], "body": "hi"})
        records.append(record)
        length += len(record) + 1
        i += 1
    return ('{"Records":[' + ",".join(records) + "]}").encode()


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moto", required=True, help="moto_server endpoint, e.g. http://127.0.0.1:5000")
    parser.add_argument("--bootstrap", action="append", required=True, help="NAME=path of a Guard function executable; repeat to interleave")
    parser.add_argument("--big-mb", type=int, default=210)
    parser.add_argument("--rounds", type=int, default=4, help="times the mixed set is repeated in one warm process")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per bootstrap, interleaved")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="guard-store-memory-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    s3 = session.client("s3", endpoint_url=args.moto)
    lam = session.client("lambda", endpoint_url=args.moto)
    iam = session.client("iam", endpoint_url=args.moto)
    sns = session.client("sns", endpoint_url=args.moto)
    role = iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    topic = sns.create_topic(Name="bench-alerts")["TopicArn"]
    s3.create_bucket(Bucket="bench-artifacts")
    files = serve(Files())
    lambda_proxy = serve(LambdaProxy(args.moto))
    args.lambda_endpoint = f"http://127.0.0.1:{lambda_proxy.server_address[1]}"
    elf = bootstrap_elf(work)

    def create(name, zip_path, layers=()):
        key = os.path.basename(zip_path)
        s3.upload_file(zip_path, "bench-artifacts", key)
        lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role, Handler="bootstrap", Architectures=["x86_64"],
                            Code={"S3Bucket": "bench-artifacts", "S3Key": key}, Layers=list(layers))
        location = lam.get_function(FunctionName=name)["Code"]["Location"]
        assert location.startswith(MOTO_CODE_HOST), location
        files.paths["/" + location[len(MOTO_CODE_HOST):].split("?")[0]] = zip_path
        return sha256_b64(zip_path)

    print(f"building packages in {work} ...", flush=True)
    big = write_zip(os.path.join(work, "big.zip"), elf, filler_bytes=args.big_mb * 1000 * 1000, marker="big")
    small = write_zip(os.path.join(work, "small.zip"), elf, marker="small")
    many = write_zip(os.path.join(work, "many.zip"), elf, small_entries=65_535 - 2, marker="many")

    big_sha = create("bench-big-a", big)
    create("bench-big-b", big)
    small_sha = create("bench-small", small)
    many_sha = create("bench-many", many)
    # Five layers, Lambda's most: each version's zip is served where LambdaProxy says its Content.Location is.
    layer_arns = []
    for index in range(1, 6):
        layer_zip = write_layer(os.path.join(work, f"layer{index}.zip"), index, shared_library(work, index))
        with open(layer_zip, "rb") as f:
            published = lam.publish_layer_version(LayerName=f"bench-layer-{index}", Content={"ZipFile": f.read()},
                                                  CompatibleRuntimes=["provided.al2023"])
        files.paths[f"/layers/bench-layer-{index}-{published['Version']}.zip"] = layer_zip
        layer_arns.append(published["LayerVersionArn"])
    layered = write_zip(os.path.join(work, "layered.zip"), elf, marker="layered")
    layered_sha = create("bench-layered", layered, layers=layer_arns)
    print(f"packages: big {os.path.getsize(big) / 1e6:.0f} MB, 65,535-entry zip {os.path.getsize(many) / 1e6:.1f} MB", flush=True)

    ordinary = ("ordinary deploy (small package)", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-small", small_sha))
    mix = [
        ("first >=200 MB package", lambda: deploy_event("CreateFunction20150331", "bench-big-a", big_sha)),
        ("6 MB API Gateway event", api_gateway_event),
        ("same >=200 MB package, another function", lambda: deploy_event("CreateFunction20150331", "bench-big-b", big_sha)),
        ("same >=200 MB package, configuration change", lambda: deploy_event("UpdateFunctionConfiguration20150331v2", "bench-big-a", big_sha)),
        ("65,535-entry zip", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-many", many_sha)),
        ("five-layer function", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-layered", layered_sha)),
        ("6 MB SQS batch", sqs_batch),
    ]

    results = {}
    for run_index in range(args.runs):
        for spec in args.bootstrap:
            name, path = spec.split("=", 1)
            bucket = f"bench-store-{name.lower()}-{run_index}"
            s3.create_bucket(Bucket=bucket)
            figures = one_process(args, path, bucket, topic, files, ordinary, mix)
            results.setdefault(name, []).append(figures)
            print(f"run {run_index + 1} {name}: one ordinary deploy {figures['ordinary']:.1f} MiB; "
                  f"after the first big package {figures['first_big']:.1f} MiB; whole mix peak {figures['peak']:.1f} MiB; "
                  f"failures {figures['failures']}; wall {figures['wall']:.1f} s, CPU {figures['cpu']:.1f} s", flush=True)

    print()
    print("| Guard build | one ordinary deploy (peak RSS) | first 210 MB deploy | whole mix, one warm process | failed events | wall | CPU |")
    print("|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        median = lambda key: sorted(r[key] for r in runs)[len(runs) // 2]
        print(f"| {name} | {median('ordinary'):.1f} MiB | {median('first_big'):.1f} MiB | {median('peak'):.1f} MiB | "
              f"{median('failures')} | {median('wall'):.1f} s | {median('cpu'):.1f} s |")


def one_process(args, path, bucket, topic, files, ordinary, mix):
    api = serve(RuntimeApi())
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.server_address[1]}",
        "AWS_ENDPOINT_URL": args.moto, "AWS_ENDPOINT_URL_LAMBDA": args.lambda_endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "GUARD_MODE": "alert", "GUARD_STORE_BUCKET": bucket, "GUARD_TOPIC_ARN": topic,
        "GUARD_CODE_LOCATION_REWRITE": f"{MOTO_CODE_HOST}=http://127.0.0.1:{files.server_address[1]}/",
    })
    started = time.monotonic()
    process = subprocess.Popen([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = []
    threading.Thread(target=lambda: log.extend(process.stdout), daemon=True).start()
    failures = []
    seen = set()

    def invoke(label, make):
        request_id = str(uuid.uuid4())
        api.events.put((request_id, make()))
        kind, _, body = api.answers.get(timeout=900)
        # A deploy event is answered with a report (a verdict); the 6 MB events are not Guard's and are acknowledged.
        if kind != "response" or (b"6 MB" not in label.encode() and b'"verdict":' not in body):
            failures.append(f"{label}: {kind} {body[:300].decode(errors='replace')}")
        elif label.startswith("five-layer") and label not in seen and json.loads(body)["stats"]["requests"] < 6:
            # The first time, the layers must have been read, not skipped: one request at least for each layer's zip
            # (later rounds find the verdict in the store and read nothing).
            failures.append(f"{label}: fewer requests than the five layers need: {body[:600].decode(errors='replace')}")
        if os.environ.get("STORE_MEMORY_SHOW"):
            print(f"  {label}: {body[:1500].decode(errors='replace')}", flush=True)
        seen.add(label)
        return vm_hwm_mib(process.pid)

    try:
        figures = {"ordinary": invoke(*ordinary)}
        for round_index in range(args.rounds):
            for label, make in mix:
                peak = invoke(label, make)
                if round_index == 0 and label.startswith("first"):
                    figures["first_big"] = peak
        figures["peak"] = vm_hwm_mib(process.pid)
        with open(f"/proc/{process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        figures["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        process.kill()
        process.wait()
        api.shutdown()
    figures["wall"] = time.monotonic() - started
    figures["failures"] = len(failures)
    for failure in failures[:5]:
        print("  failed:", failure, flush=True)
    return figures


if __name__ == "__main__":
    main()
