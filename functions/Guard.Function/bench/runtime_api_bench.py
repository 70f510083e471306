#!/usr/bin/env python3
"""Cold-start probe: exec Lambda bootstraps under a one-event Runtime API, N rounds.

Usage: runtime_api_bench.py RUNS LABEL=EXECUTABLE[,NAME=VALUE...] [LABEL=EXECUTABLE...]

Each round runs every executable once, alternating which goes first, so drift on a noisy machine (another
process, CPU frequency) lands on all of them alike. Per run it records exec -> first GET /next (wall), the
CPU time the process had used when its first GET /next arrived (the sum over its threads of
/proc/PID/task/*/schedstat, in ns: a loaded machine stretches wall time, much less CPU time) and the
minor page faults and resident memory by then (/proc/PID/stat, VmRSS: what mapping and rehydrating the image costs),
exec -> first POST /response, and the process's peak RSS (VmHWM from /proc/PID/status, read after the
response). Prints one JSON object: per label the medians, and for every label after the first the median
of the per-round ratios to the *last* label (the baseline), which is steadier than a ratio of medians.
"""
import json, os, statistics, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVENT = json.dumps({"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                    "account": "123456789012", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
                    "resources": [], "detail": {}}).encode()


class Run:
    def __init__(self):
        self.start = 0.0
        self.pid = None
        self.started = threading.Event()
        self.first_next = None
        self.first_next_cpu = None
        self.first_next_faults = None
        self.first_next_rss = None
        self.response = None
        self.served = False
        self.done = threading.Event()
        self.release = threading.Event()


RUN = Run()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the killed process drops its /next connection: expected, not worth a traceback


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.endswith("/invocation/next"):
            if RUN.first_next is None:
                RUN.first_next = time.monotonic()
                RUN.started.wait(5)
                RUN.first_next_cpu = cpu_ns(RUN.pid)
                RUN.first_next_faults = minor_faults(RUN.pid)
                RUN.first_next_rss = status_kib(RUN.pid, "VmRSS")
            if RUN.served:
                RUN.release.wait(30)  # long poll, as Lambda does between events
                self.send_response(410)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            RUN.served = True
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(EVENT)))
            self.end_headers()
            self.wfile.write(EVENT)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        if RUN.response is None:
            RUN.response = time.monotonic()
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        RUN.done.set()


def cpu_ns(pid):
    """CPU time (user + system) the process's live threads have run, in ns."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


def minor_faults(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[7])


def status_kib(pid, field):
    """A KiB figure of /proc/PID/status: VmRSS (resident now), VmHWM (peak resident)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def run_once(executable, env):
    global RUN
    RUN = Run()
    RUN.start = time.monotonic()
    process = subprocess.Popen([executable], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    RUN.pid = process.pid
    RUN.started.set()
    if not RUN.done.wait(30):
        process.kill()
        raise SystemExit(f"{executable}: no response within 30 s")
    time.sleep(0.05)  # let the second /next arrive, so the peak includes the return to the loop
    rss = status_kib(process.pid, "VmHWM")
    RUN.release.set()
    process.kill()
    process.wait()
    return ((RUN.first_next - RUN.start) * 1000, RUN.first_next_cpu / 1e6, RUN.first_next_faults, (RUN.response - RUN.start) * 1000, rss,
            RUN.first_next_rss)


def main():
    runs = int(sys.argv[1])
    subjects = []
    for argument in sys.argv[2:]:
        label, spec = argument.split("=", 1)
        executable, *settings = spec.split(",")
        subjects.append((label, executable, dict(setting.split("=", 1) for setting in settings)))
    server = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}"}
    samples = {label: [] for label, _, _ in subjects}
    for round_number in range(runs):
        order = subjects if round_number % 2 == 0 else list(reversed(subjects))
        for label, executable, settings in order:
            samples[label].append(run_once(executable, {**base_env, **settings}))
    server.shutdown()

    baseline = subjects[-1][0]
    result = {"runs": runs}
    for label, executable, _ in subjects:
        to_next, cpu_to_next, faults, to_response, rss, rss_at_next = zip(*samples[label])
        entry = {
            "firstNextMs": round(statistics.median(to_next), 2),
            "firstNextCpuMs": round(statistics.median(cpu_to_next), 2),
            "firstNextMinorFaults": statistics.median(faults),
            "firstNextRssMiB": round(statistics.median(rss_at_next) / 1024, 1),
            "firstResponseMs": round(statistics.median(to_response), 2),
            "peakRssMiB": round(statistics.median(rss) / 1024, 1),
            "sizeMiB": round(os.path.getsize(executable) / 1048576, 1),
        }
        if label != baseline:
            ratios = [mine[0] / base[0] for mine, base in zip(samples[label], samples[baseline])]
            entry["firstNextRatio"] = round(statistics.median(ratios), 3)
            entry["firstNextRatioQuartiles"] = [round(q, 3) for q in statistics.quantiles(ratios, n=4)[::2]]
            cpu_ratios = [mine[1] / base[1] for mine, base in zip(samples[label], samples[baseline])]
            entry["firstNextCpuRatio"] = round(statistics.median(cpu_ratios), 3)
            entry["firstNextCpuRatioQuartiles"] = [round(q, 3) for q in statistics.quantiles(cpu_ratios, n=4)[::2]]
        result[label] = entry
    print(json.dumps(result))


if __name__ == "__main__":
    main()
