"""Peak RSS of one warm Guard Lambda process with the store on, over a mixed set of events (store-memory.sh runs it).

The real Guard function process (whatever BOOTSTRAP names) runs under a Lambda Runtime API stand-in, its AWS calls go to
a moto_server (AWS_ENDPOINT_URL) and moto's unfetchable Code.Location / Content.Location are served, with Range, from
files on disk by a local server (GUARD_CODE_LOCATION_REWRITE, the emulator-only seam). Container-image functions are
read from an ECR stand-in here (moto serves BatchGetImage but not GetDownloadUrlForLayer) through AWS_ENDPOINT_URL_ECR,
their blobs served with Range by the same server. Before each event the process's peak resident set is reset
(/proc/PID/clear_refs) and after its answer VmHWM is read: each event's own peak, and the process's as their maximum.
Each run is a fresh process and a fresh store bucket; a run also judges one image deploy alone in a fresh process.
An event answered with an unexpected verdict fails the benchmark (exit status 1).
"""
import argparse
import base64
import gzip
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
import tarfile
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


class Server(http.server.ThreadingHTTPServer):
    """A loopback server of the benchmark's: a thread per connection."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        # Guard closes a range connection it no longer needs, and a run ends by killing the process: a reset is expected,
        # not worth a traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class Files(Server):
    """Serves registered paths from files on disk, honouring single Range requests (Guard reads packages by range)."""

    def __init__(self, handler=None):
        self.paths = {}
        super().__init__(("127.0.0.1", 0), handler or FileHandler)


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


class EcrStandIn(Files):
    """
    ECR's API for the two calls Guard makes (tests/Guard.Testing/EcrStandIn.cs is the C# kit's): JSON 1.1 POSTs named by
    X-Amz-Target, signed for ecr. BatchGetImage answers the manifest by tag or digest (a missing image or an unaccepted
    media type is a failure in a 200 answer, as ECR does); GetDownloadUrlForLayer a presigned-looking URL on this server,
    whose blobs are served from disk with Range (Files).
    """

    TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
    SIGNATURE = "X-Amz-Signature=ecr-stand-in"

    def __init__(self):
        super().__init__(EcrHandler)
        self.manifests = {}  # (repository, digest) -> (media type, bytes)
        self.tags = {}  # (repository, tag) -> digest
        self.blobs = {}  # (repository, digest) -> path on disk

    def push(self, repository, tag, manifest, media_type, blobs):
        """Stores the manifest under its digest and tag, and the blobs (digest -> path) it names; returns the digest."""
        digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
        self.manifests[(repository, digest)] = (media_type, manifest)
        self.tags[(repository, tag)] = digest
        for blob_digest, path in blobs.items():
            self.blobs[(repository, blob_digest)] = path
            self.paths[f"/blobs/{ACCOUNT}/{repository}/{blob_digest}"] = path
        return digest


class EcrHandler(FileHandler):
    def do_GET(self):
        # A blob is served only by the URL GetDownloadUrlForLayer gave (ECR's are presigned).
        if EcrStandIn.SIGNATURE not in self.path.partition("?")[2]:
            self.send_error(403)
            return
        super().do_GET()

    def do_POST(self):
        server = self.server
        target = self.headers.get("X-Amz-Target", "")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0") or "0")) or b"{}")
        if not target.startswith(EcrStandIn.TARGET_PREFIX) or "/ecr/aws4_request" not in self.headers.get("Authorization", ""):
            return self.answer(400, {"__type": "SerializationException", "message": "expected a signed JSON 1.1 ECR call"})
        operation = target[len(EcrStandIn.TARGET_PREFIX):]
        repository = body.get("repositoryName", "")
        if not any(key[0] == repository for key in server.manifests):
            return self.answer(400, {"__type": "RepositoryNotFoundException", "message": f"The repository with name '{repository}' does not exist"})
        if operation == "BatchGetImage":
            image_id = (body.get("imageIds") or [{}])[0]
            digest = image_id.get("imageDigest") or server.tags.get((repository, image_id.get("imageTag", "latest")))
            stored = server.manifests.get((repository, digest))
            accepted = body.get("acceptedMediaTypes") or []
            if stored is None:
                return self.answer(200, {"images": [], "failures": [{"imageId": image_id, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}]})
            if accepted and stored[0] not in accepted:
                return self.answer(200, {"images": [], "failures": [{"imageId": image_id, "failureCode": "UnsupportedImageType", "failureReason": "not accepted"}]})
            return self.answer(200, {"images": [{"registryId": ACCOUNT, "repositoryName": repository, "imageId": dict(image_id, imageDigest=digest),
                                                 "imageManifest": stored[1].decode(), "imageManifestMediaType": stored[0]}], "failures": []})
        if operation == "GetDownloadUrlForLayer":
            digest = body.get("layerDigest", "")
            if (repository, digest) not in server.blobs:
                return self.answer(400, {"__type": "LayersNotFoundException", "message": f"The specified layers {digest} could not be found."})
            url = f"http://127.0.0.1:{server.server_address[1]}/blobs/{ACCOUNT}/{repository}/{digest}?{EcrStandIn.SIGNATURE}&X-Amz-Expires=3600"
            return self.answer(200, {"downloadUrl": url, "layerDigest": digest})
        return self.answer(400, {"__type": "UnknownOperationException", "message": operation})

    def answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LambdaProxy(Server):
    """
    Forwards Lambda API calls to moto; answers GetLayerVersionByArn itself, with a fetchable Content.Location; and gives an
    image function's GetFunction the digest its image has (moto, with ECR stubbed, names in ResolvedImageUri and
    CodeSha256 the SHA-256 of the ImageUri's text; Lambda names the digest of the manifest the tag resolved to).
    """

    def __init__(self, moto):
        self.moto = moto.rstrip("/")
        self.image_digests = {}  # ImageUri -> the manifest's digest (sha256:...)
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
        elif self.command == "GET" and status == 200 and re.fullmatch(r"/20\d\d-\d\d-\d\d/functions/[^/]+/?", path):
            document = json.loads(answer)
            digest = self.server.image_digests.get((document.get("Code") or {}).get("ImageUri"))
            if digest is not None:
                uri = document["Code"]["ImageUri"]
                document["Code"]["ResolvedImageUri"] = uri.rsplit(":", 1)[0] + "@" + digest
                document["Configuration"]["CodeSha256"] = digest.split(":", 1)[1]
                answer = json.dumps(document).encode()
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class RuntimeApi(Server):
    """The Lambda Runtime API as a function process sees it: /next hands out one event, /response and /error answer it."""

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


class Hashing(io.RawIOBase):
    """A write-only file that hashes what passes through it on the way to another."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.digest, self.size = inner, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        self.inner.write(data)
        return len(data)


class RandomFile(io.RawIOBase):
    """`size` incompressible bytes, made as they are read (tarfile copies a member from a file object)."""

    def __init__(self, size, seed):
        super().__init__()
        self.left, self.rng = size, random.Random(seed)

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left, 8 << 20)
        buffer[:n] = self.rng.randbytes(n)
        self.left -= n
        return n


def write_layer_blob(path, members):
    """
    A gzip'd tar layer (OCI image-spec layer.md) of members (name, mode, bytes or (size, seed) of filler); returns its
    descriptor and its diff_id (the uncompressed tar's digest). Streamed: the filler is never held whole.
    """
    with open(path, "wb") as raw:
        compressed = Hashing(raw)
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=1, mtime=0) as gz:
            plain = Hashing(gz)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for name, mode, content in members:
                    info = tarfile.TarInfo(name)
                    info.mode, info.mtime, info.uname, info.gname = mode, 1704067200, "root", "root"
                    if content is None:
                        info.type = tarfile.DIRTYPE
                        tar.addfile(info)
                    elif isinstance(content, bytes):
                        info.size = len(content)
                        tar.addfile(info, io.BytesIO(content))
                    else:
                        info.size, seed = content
                        tar.addfile(info, io.BufferedReader(RandomFile(info.size, seed), 8 << 20))
    descriptor = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + compressed.digest.hexdigest(), "size": compressed.size}
    return descriptor, "sha256:" + plain.digest.hexdigest()


def image_documents(layers, entrypoint, architecture="amd64"):
    """An OCI image config (linux/ARCHITECTURE, ENTRYPOINT) and the manifest naming it and the layers (bottom first)."""
    config = json.dumps({
        "architecture": architecture, "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Entrypoint": entrypoint, "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id for _, diff_id in layers]},
    }, separators=(",", ":")).encode()
    config_descriptor = {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)}
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_descriptor, "layers": [descriptor for descriptor, _ in layers],
    }, separators=(",", ":")).encode()
    return config_descriptor, config, manifest


def sha256_b64(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def deploy_event(event_name, function_name, code_sha256, image_uri=None):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    detail = {
        "eventVersion": "1.08", "eventSource": "lambda.amazonaws.com", "eventName": event_name, "awsRegion": REGION,
        "eventTime": "2024-08-01T13:52:02Z", "eventID": str(uuid.uuid4()), "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/bench"},
        "requestParameters": {"functionName": arn},
        "responseElements": {"functionName": function_name, "functionArn": arn, "codeSha256": code_sha256, "runtime": "provided.al2023"},
    }
    if image_uri is not None:
        # An image function has no runtime; CreateFunction names the image under code, UpdateFunctionCode at the top.
        del detail["responseElements"]["runtime"]
        detail["responseElements"]["packageType"] = "Image"
        if event_name.startswith("CreateFunction"):
            detail["requestParameters"]["code"] = {"imageUri": image_uri}
        elif event_name.startswith("UpdateFunctionCode"):
            detail["requestParameters"]["imageUri"] = image_uri
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


# What each event must be answered with: a report with this verdict (and finding code), or None for an event that is
# not Guard's (acknowledged, no report).
OK = ("ok", None)
IMAGE_REPOSITORY = "bench/app"


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
    ecr = serve(EcrStandIn())
    lambda_proxy = serve(LambdaProxy(args.moto))
    args.lambda_endpoint = f"http://127.0.0.1:{lambda_proxy.server_address[1]}"
    args.ecr_endpoint = f"http://127.0.0.1:{ecr.server_address[1]}"
    args.files = files
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

    # The image: a small base layer under the application's layer, whose bulk is incompressible filler written before
    # the entrypoint (Guard streams the whole layer to reach it). The broken image has the same layers and config but
    # for an ENTRYPOINT no layer has: every layer is read before that is settled.
    base_layer = write_layer_blob(os.path.join(work, "base.tar.gz"), [
        ("etc", 0o755, None), ("etc/os-release", 0o644, b'NAME="Guard bench"\nID=bench\n'),
        ("usr", 0o755, None), ("usr/local", 0o755, None), ("usr/local/bin", 0o755, None)])
    app_layer = write_layer_blob(os.path.join(work, "app.tar.gz"), [
        ("opt", 0o755, None), ("opt/app", 0o755, None), ("opt/app/assets.bin", 0o644, (args.big_mb * 1000 * 1000, args.big_mb)),
        ("usr/local/bin/app", 0o755, elf)])

    def push_image(tag, entrypoint):
        config_descriptor, config, manifest = image_documents([base_layer, app_layer], entrypoint)
        config_path = os.path.join(work, f"config-{tag}.json")
        with open(config_path, "wb") as f:
            f.write(config)
        blobs = {base_layer[0]["digest"]: os.path.join(work, "base.tar.gz"), app_layer[0]["digest"]: os.path.join(work, "app.tar.gz"),
                 config_descriptor["digest"]: config_path}
        digest = ecr.push(IMAGE_REPOSITORY, tag, manifest, "application/vnd.oci.image.manifest.v1+json", blobs)
        uri = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{IMAGE_REPOSITORY}:{tag}"
        lambda_proxy.image_digests[uri] = digest
        return uri, digest

    def create_image(name, uri, digest):
        lam.create_function(FunctionName=name, Role=role, PackageType="Image", Code={"ImageUri": uri}, Architectures=["x86_64"])
        # What Guard will see: the image pinned to its digest, as Lambda's GetFunction names it.
        code = session.client("lambda", endpoint_url=args.lambda_endpoint).get_function(FunctionName=name)["Code"]
        assert code["ResolvedImageUri"].endswith("@" + digest), code
        return digest.split(":", 1)[1]

    image_uri, image_digest = push_image("big", ["/usr/local/bin/app"])
    broken_uri, broken_digest = push_image("broken", ["/usr/local/bin/app-missing"])
    image_sha = create_image("bench-image-a", image_uri, image_digest)
    create_image("bench-image-b", image_uri, image_digest)
    broken_sha = create_image("bench-image-broken", broken_uri, broken_digest)
    print(f"packages: big {os.path.getsize(big) / 1e6:.0f} MB, 65,535-entry zip {os.path.getsize(many) / 1e6:.1f} MB; "
          f"image layers {base_layer[0]['size'] / 1e3:.1f} kB + {app_layer[0]['size'] / 1e6:.0f} MB (gzip)", flush=True)

    big_label = f"first {args.big_mb} MB package"
    # Past Lambda's 250 MB unzipped quota (262,144,000 bytes) the zip cannot deploy, and Guard says so: --big-mb 400
    # measures images that large, whose size has no such quota, beside zips judged PACKAGE_TOO_LARGE.
    big_zip = OK if args.big_mb * 1000 * 1000 < 262_144_000 else ("broken", "PACKAGE_TOO_LARGE")
    image_label = f"first {args.big_mb} MB image"
    ordinary = ("ordinary deploy (small package)", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-small", small_sha), OK)
    first_image = (image_label, lambda: deploy_event("CreateFunction20150331", "bench-image-a", image_sha, image_uri), OK)
    mix = [
        (big_label, lambda: deploy_event("CreateFunction20150331", "bench-big-a", big_sha), big_zip),
        ("6 MB API Gateway event", api_gateway_event, None),
        ("same package, another function", lambda: deploy_event("CreateFunction20150331", "bench-big-b", big_sha), big_zip),
        ("same package, configuration change", lambda: deploy_event("UpdateFunctionConfiguration20150331v2", "bench-big-a", big_sha), big_zip),
        ("65,535-entry zip", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-many", many_sha), OK),
        ("five-layer function", lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-layered", layered_sha), OK),
        first_image,
        ("same image, another function", lambda: deploy_event("CreateFunction20150331", "bench-image-b", image_sha, image_uri), OK),
        ("same image, configuration change", lambda: deploy_event("UpdateFunctionConfiguration20150331v2", "bench-image-a", image_sha), OK),
        ("broken image (entrypoint in no layer)",
         lambda: deploy_event("UpdateFunctionCode20150331v2", "bench-image-broken", broken_sha, broken_uri), ("broken", "IMAGE_ENTRYPOINT_MISSING")),
        ("6 MB SQS batch", sqs_batch, None),
    ]
    events = [(0, *ordinary)] + [(round_index, *event) for round_index in range(args.rounds) for event in mix]

    results, failed = {}, []
    for run_index in range(args.runs):
        for spec in args.bootstrap:
            name, path = spec.split("=", 1)
            # The image deploy alone, in a fresh process: what one such event costs a cold Guard.
            alone = one_process(args, path, f"bench-store-{name.lower()}-{run_index}-alone", topic, [(0, *first_image)])
            mixed = one_process(args, path, f"bench-store-{name.lower()}-{run_index}", topic, events)
            figures = summarize(mixed, alone, big_label, image_label)
            results.setdefault(name, []).append(figures)
            failed += [f"{name} run {run_index + 1}: {failure}" for failure in alone["failures"] + mixed["failures"]]
            print(f"run {run_index + 1} {name}: one ordinary deploy {figures['ordinary']:.1f} MiB; one image deploy alone {figures['image_alone']:.1f} MiB; "
                  f"after the first big package {figures['first_big']:.1f} MiB (+{figures['big_rise']:.1f} during it), "
                  f"after the first big image {figures['first_image']:.1f} MiB (+{figures['image_rise']:.1f} during it); "
                  f"whole mix peak {figures['peak']:.1f} MiB; failures {figures['failures']}; wall {figures['wall']:.1f} s, CPU {figures['cpu']:.1f} s",
                  flush=True)

    print()
    rows = [
        ("after one ordinary deploy (fresh process)", "ordinary", "MiB"),
        (f"one {args.big_mb} MB image deploy alone (fresh process)", "image_alone", "MiB"),
        (f"after the first {args.big_mb} MB zip deploy", "first_big", "MiB"),
        (f"after the first {args.big_mb} MB image deploy (in the mix)", "first_image", "MiB"),
        (f"rise during the first {args.big_mb} MB zip deploy", "big_rise", "MiB"),
        (f"rise during the first {args.big_mb} MB image deploy", "image_rise", "MiB"),
        (f"largest rise during an image event ({sum('image' in e[1] for e in events)} in the mix)", "image_rise_max", "MiB"),
        (f"whole mix, {len(events)} events, one warm process", "peak", "MiB"),
        ("events that failed", "failures", ""),
        ("wall of the mix process", "wall", "s"),
        ("CPU of the mix process", "cpu", "s"),
        ("wall / CPU of the image-alone process", "alone_wall_cpu", ""),
    ]
    print("| peak RSS (VmHWM), median (range) | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for title, key, unit in rows:
        cells = []
        for runs in results.values():
            if key == "alone_wall_cpu":
                cells.append(f"{median([r['alone_wall'] for r in runs]):.1f} s / {median([r['alone_cpu'] for r in runs]):.2f} s")
            elif key == "failures":
                cells.append(str(sum(r[key] for r in runs)))
            else:
                values = [r[key] for r in runs]
                cells.append(f"{median(values):.1f} ({min(values):.1f}–{max(values):.1f}) {unit}")
        print(f"| {title} | " + " | ".join(cells) + " |")

    if failed:
        print(f"\n{len(failed)} events were not answered as expected:", file=sys.stderr)
        for failure in failed:
            print("  " + failure, file=sys.stderr)
        sys.exit(1)


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarize(mixed, alone, big_label, image_label):
    """The figures of one run: cumulative peaks at points of the mix, and the rise during single events."""
    seen_peak, cumulative = 0.0, {}
    for index, (round_index, label, before, peak) in enumerate(mixed["events"]):
        seen_peak = max(seen_peak, peak)
        cumulative.setdefault((round_index, label), (seen_peak, peak - before))
    first_event = mixed["events"][0]
    images = [peak - before for _, label, before, peak in mixed["events"] if "image" in label]
    return {
        "ordinary": first_event[3],
        "image_alone": alone["events"][0][3],
        "first_big": cumulative[(0, big_label)][0],
        "big_rise": cumulative[(0, big_label)][1],
        "first_image": cumulative[(0, image_label)][0],
        "image_rise": cumulative[(0, image_label)][1],
        "image_rise_max": max(images),
        "peak": mixed["peak"],
        "failures": len(mixed["failures"]) + len(alone["failures"]),
        "wall": mixed["wall"], "cpu": mixed["cpu"], "alone_wall": alone["wall"], "alone_cpu": alone["cpu"],
    }


def vm_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_process(args, path, bucket, topic, events):
    """
    Runs events [(round, label, make, expected)] through one fresh Guard process with a fresh store bucket. Every event
    but the first (whose peak includes the process's start) begins with the peak reset to the resident set of the
    moment (clear_refs 5), so VmHWM after its answer is the peak during it.
    """
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    session.client("s3", endpoint_url=args.moto).create_bucket(Bucket=bucket)
    api = serve(RuntimeApi())
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.server_address[1]}",
        "AWS_ENDPOINT_URL": args.moto, "AWS_ENDPOINT_URL_LAMBDA": args.lambda_endpoint, "AWS_ENDPOINT_URL_ECR": args.ecr_endpoint,
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "GUARD_MODE": "alert", "GUARD_STORE_BUCKET": bucket, "GUARD_TOPIC_ARN": topic,
        "GUARD_CODE_LOCATION_REWRITE": f"{MOTO_CODE_HOST}=http://127.0.0.1:{args.files.server_address[1]}/",
    })
    started = time.monotonic()
    process = subprocess.Popen([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = []
    threading.Thread(target=lambda: log.extend(process.stdout), daemon=True).start()
    failures, seen, measured = [], set(), []
    big_bytes = args.big_mb * 1000 * 1000

    def invoke(label, make, expected, first):
        before = vm_hwm_mib(process.pid)
        if not first:
            with open(f"/proc/{process.pid}/clear_refs", "w") as f:
                f.write("5")
            before = vm_rss_mib(process.pid)
        request_id = str(uuid.uuid4())
        api.events.put((request_id, make()))
        kind, _, body = api.answers.get(timeout=900)
        peak = vm_hwm_mib(process.pid)
        if problem := unexpected(label, expected, kind, body, label not in seen, big_bytes):
            failures.append(f"{label}: {problem}: {body[:600].decode(errors='replace')}")
        if os.environ.get("STORE_MEMORY_SHOW"):
            print(f"  {label}: {peak:.1f} MiB: {body[:1500].decode(errors='replace')}", flush=True)
        seen.add(label)
        return before, peak

    try:
        for index, (round_index, label, make, expected) in enumerate(events):
            before, peak = invoke(label, make, expected, first=index == 0)
            measured.append((round_index, label, before, peak))
        with open(f"/proc/{process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        process.kill()
        process.wait()
        api.shutdown()
    for failure in failures[:5]:
        print("  failed:", failure, flush=True)
    if failures and os.environ.get("STORE_MEMORY_SHOW"):
        sys.stdout.write(b"".join(log[-40:]).decode(errors="replace"))
    return {"events": measured, "peak": max(peak for *_, peak in measured), "cpu": cpu, "wall": time.monotonic() - started, "failures": failures}


def unexpected(label, expected, kind, body, first_time, big_bytes):
    """Why the answer is not the one this event must get; None when it is."""
    if kind != "response":
        return f"answered with an {kind}"
    if expected is None:
        # Not Guard's event: acknowledged without a report.
        return "judged an event that is not a deploy" if b'"verdict"' in body else None
    try:
        report = json.loads(body)
    except ValueError:
        return "the answer is not JSON"
    verdict, code = expected
    if report.get("verdict") != verdict:
        return f"verdict {report.get('verdict') or report.get('outcome')!r}, expected {verdict!r}"
    codes = [finding.get("code") for finding in report.get("findings") or []]
    if code is not None and code not in codes:
        return f"findings {codes}, expected {code}"
    stats = report.get("stats") or {}
    if first_time and label.startswith("five-layer") and stats.get("requests", 0) < 6:
        # The first time, the layers must have been read, not skipped: one request at least for each layer's zip (later
        # rounds find the verdict in the store and read nothing).
        return "fewer requests than the five layers need"
    if first_time and label.split()[0] in ("first", "broken") and "image" in label and stats.get("bytesRead", 0) < big_bytes:
        # The big layer must have been streamed to its end to find (or miss) the entrypoint.
        return f"read {stats.get('bytesRead')} bytes, less than the {big_bytes:,}-byte layer"
    return None


if __name__ == "__main__":
    main()
