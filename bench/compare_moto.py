#!/usr/bin/env python3
"""Client-side latency of the same boto3 calls against Strato and moto_server.

Starts both servers on loopback (bin/strato must be built: go build -o bin/strato ./cmd/strato),
launches N instances in each, then times DescribeInstances pages of 1,000, a
one-instance DescribeInstances and StopInstances/StartInstances of one instance.
Prints medians and p90 in milliseconds and the Strato/moto ratio. Figures
include boto3's own overhead (signing, parsing), which is the same for both.

    python3 bench/compare_moto.py [--instances 1000] [--rounds 20]
"""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time

import boto3
from botocore.config import Config


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=20):
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception as e:  # any HTTP answer means the server is up
            if hasattr(e, "code"):
                return
            time.sleep(0.1)
    sys.exit(f"server at {url} did not come up")


def client(endpoint, key, secret):
    return boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def timed(fn, rounds):
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def measure(name, ec2, image, n, rounds):
    ids = []
    while len(ids) < n:
        r = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=min(500, n - len(ids)))
        ids += [i["InstanceId"] for i in r["Instances"]]
    time.sleep(1)
    res = {}
    res["describe page of 1000"] = timed(lambda: ec2.describe_instances(MaxResults=1000), rounds)
    res["describe one"] = timed(lambda: ec2.describe_instances(InstanceIds=[ids[n // 2]]), rounds)

    res["stop one (request)"] = []
    for i in range(rounds):
        t = time.perf_counter()
        ec2.stop_instances(InstanceIds=[ids[2 + i]])
        res["stop one (request)"].append((time.perf_counter() - t) * 1000)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    strato = os.path.join(root, "bin", "strato")
    if not os.path.exists(strato):
        sys.exit("build it first: go build -o bin/strato ./cmd/strato")
    if not shutil.which("moto_server"):
        sys.exit("moto_server is not on PATH")
    tmp = tempfile.mkdtemp()
    procs = []
    try:
        sp, mp = free_port(), free_port()
        procs.append(subprocess.Popen([strato, "serve", "--addr", f"127.0.0.1:{sp}", "--data-dir", tmp,
                                       "--auth", "any", "--stop-timeout", "1s", "--max-instances", str(a.instances + 100),
                                       "--capacity-vcpus", "0", "--capacity-memory-mib", "0",
                                       "--log-level", "warn"], stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen(["moto_server", "-p", str(mp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(f"http://127.0.0.1:{sp}/healthz")
        wait_http(f"http://127.0.0.1:{mp}/")
        results = {
            "strato": measure("strato", client(f"http://127.0.0.1:{sp}", "AKIDBENCH", "x"), "ami-0000000000000000a", a.instances, a.rounds),
            "moto": measure("moto", client(f"http://127.0.0.1:{mp}", "testing", "testing"), "ami-12c6146b", a.instances, a.rounds),
        }
        print(f"boto3 client-side latency, {a.instances} instances, {a.rounds} rounds (ms)")
        print(f"{'call':28} {'strato p50':>10} {'p90':>8} {'moto p50':>10} {'p90':>8} {'ratio':>7}")
        for call in results["strato"]:
            s, m = results["strato"][call], results["moto"][call]
            sm, mm = statistics.median(s), statistics.median(m)
            q = lambda xs: sorted(xs)[int(len(xs) * 0.9) - 1]
            print(f"{call:28} {sm:10.2f} {q(s):8.2f} {mm:10.2f} {q(m):8.2f} {sm / mm:7.2f}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        # Strato's guests outlive the daemon by design: stop them.
        subprocess.run(["pkill", "-f", tmp], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
