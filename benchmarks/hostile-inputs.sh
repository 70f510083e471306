#!/usr/bin/env bash
# Each hostile input of issue 19 given to `guard check`: exit code, wall time, CPU time and peak RSS, with a cap on
# wall time (default 60 s; a run killed at the cap shows "killed"). Compare two builds by passing an older guard.dll.
#
#   benchmarks/hostile-inputs.sh [GUARD_DLL] [CAP_SECONDS]     default: a Release build of this tree, 60 s
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
guard=${1:-}
if [[ -z "$guard" ]]; then
  dotnet build functions/Guard.Cli -c Release --artifacts-path "$work/build" -v quiet -nologo >/dev/null
  guard="$work/build/bin/Guard.Cli/release/guard.dll"
fi
python3 - "$guard" "${2:-60}" "$work" <<'PY'
import os, signal, subprocess, sys, time
guard, cap, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
head = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: provided.al2023\n      Handler: bootstrap\n"
def write(name, text):
    path = os.path.join(work, name); os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(text); return path
def fifo(name):
    path = os.path.join(work, name); os.makedirs(os.path.dirname(path), exist_ok=True); os.mkfifo(path); return path
laughs = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Metadata:\n      L0: &l0 [" + ", ".join(["lol"] * 10) + "]\n"
laughs += "".join(f"      L{i}: &l{i} [{', '.join([f'*l{i-1}'] * 10)}]\n" for i in range(1, 10))
laughs += "    Properties:\n      Runtime: provided.al2023\n      CodeUri: !Join [',', *l9]\n"
join = head + "      Tags:\n        J0: &j0 " + "x" * 100_000 + "\n"
join += "".join(f"        J{i}: &j{i} !Join ['', [{', '.join([f'*j{i-1}'] * 10)}]]\n" for i in range(1, 5)) + "      CodeUri: *j4\n"
def chain(levels):
    text = "Conditions:\n  C0: !Equals [a, a]\n" + "".join(f"  C{i}: !And [{', '.join([f'!Condition C{i-1}'] * 10)}]\n" for i in range(1, levels + 1))
    return text + head.replace("    Properties:", f"    Condition: C{levels}\n    Properties:") + "      CodeUri: app/\n"
os.makedirs(os.path.join(work, "cdk.out"))
cases = [
    ("alias bomb (9 levels of 10)", write("laughs/template.yaml", laughs)),
    ("!Join bomb (4 levels of 10)", write("join/template.yaml", join)),
    ("!And/!Condition chain, 8 levels", write("chain8/template.yaml", chain(8))),
    ("!And/!Condition chain, 12 levels", write("chain12/template.yaml", chain(12))),
    ("flow sequence 40,000 deep", write("deep/template.yaml", "Resources: " + "[" * 40_000 + "]" * 40_000 + "\n")),
    ("template -> /dev/zero", None),
    ("FIFO as the zip", fifo("fifo/function.zip")),
    ("FIFO as the template", fifo("fifo/template.yaml")),
    ("FIFO as cdk.out/manifest.json", fifo("cdk.out/manifest.json")),
]
os.symlink("/dev/zero", os.path.join(work, "zero.yaml"))
cases[5] = ("template -> /dev/zero", os.path.join(work, "zero.yaml"))
print(f"{'case':36} {'exit':>6} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}  stderr")
for name, path in cases:
    target = os.path.dirname(path) if name.startswith("FIFO as cdk") else path
    start = time.monotonic()
    child = subprocess.Popen(["dotnet", guard, "check", target], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    killed = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid: break
        if time.monotonic() - start > cap:
            os.killpg(child.pid, signal.SIGKILL); killed = True
            pid, status, usage = os.wait4(child.pid, 0); break
        time.sleep(0.05)
    wall = time.monotonic() - start
    error = child.stderr.read().decode(errors="replace").strip().splitlines()
    code = "killed" if killed else str(os.waitstatus_to_exitcode(status))
    first = (error[0][:90] if error else "") + (f" (+{len(error) - 1} lines)" if len(error) > 1 else "")
    print(f"{name:36} {code:>6} {wall:7.1f} {usage.ru_utime + usage.ru_stime:7.1f} {usage.ru_maxrss / 1024:9.0f}  {first}")
PY
