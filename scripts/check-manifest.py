#!/usr/bin/env python3
"""Checks deploy/kubernetes/job.yaml offline, without a cluster (docs/SCALING.md, "Kubernetes").

kubectl decodes the manifest as a typed batch/v1 Job (`kubectl set env --local`: a wrong type or
an unknown kind fails; a field this kubectl does not know is dropped, so a misspelt one shows up as
missing). The Job must be Indexed, run `pgfleet apply --yes --run-id $(PGFLEET_RUN_ID)` with the
run id from the Job's name, and take every URL from the Secret that secret.example.yaml shows.

Debian 12's kubectl (kubernetes-client 1.20) predates Indexed Jobs (1.21) and podFailurePolicy
(1.26): with it those two fields are checked in the manifest as written (`kubectl annotate
--local`, no typing), the rest still typed. Run by ctest as `deploy.kubernetes_manifest`.
"""
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Other files may be given: check-manifest.py [JOB_YAML [SECRET_YAML]]; `--self-test` checks that
# broken copies of job.yaml fail.
JOB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "deploy", "kubernetes", "job.yaml")
SECRET = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "deploy", "kubernetes",
                                                             "secret.example.yaml")
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def kubectl(*args):
    done = subprocess.run(["kubectl", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check-manifest: FAIL: kubectl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def client_minor():
    version = json.loads(kubectl("version", "--client", "-o", "json"))["clientVersion"]
    return int(re.match(r"\d+", version["minor"]).group(0))


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_container(pod, secret_keys):
    containers = pod.get("containers", [])
    check(len(containers) == 1, "one container")
    container = containers[0] if containers else {}
    check(container.get("name") == "pgfleet", "the container is named pgfleet")
    words = container.get("command", []) + container.get("args", [])
    check(words[:3] == ["pgfleet", "apply", "--yes"], f"runs `pgfleet apply --yes`: {words}")
    check("--run-id" in words and words[words.index("--run-id") + 1] == "$(PGFLEET_RUN_ID)",
          "passes --run-id $(PGFLEET_RUN_ID)")
    env = env_of(container)
    run_id = env.get("PGFLEET_RUN_ID", {}).get("valueFrom", {}).get("fieldRef", {})
    check(run_id.get("fieldPath") == "metadata.labels['job-name']",
          "PGFLEET_RUN_ID is the Job's name (downward API)")
    for name in ("PGFLEET_LEDGER", "PGFLEET_CONTROL_PLANE", "PGFLEET_CONTROL_PLANE_KEY"):
        ref = env.get(name, {}).get("valueFrom", {}).get("secretKeyRef")
        check(ref is not None, f"{name} comes from a Secret")
        if ref:
            check(ref.get("name") == "pgfleet", f"{name} comes from the Secret pgfleet")
            check(ref.get("key") in secret_keys or ref.get("optional"),
                  f"{name}: key {ref.get('key')} is in secret.example.yaml")
    check(not any("://" in w for w in words), "no URL on the command line")


def main():
    if not shutil.which("kubectl"):
        sys.exit("check-manifest: FAIL: no kubectl (scripts/install-deps.sh installs Debian's "
                 "kubernetes-client)")
    minor = client_minor()
    typed = json.loads(kubectl("set", "env", "--local", "-f", JOB, "PGFLEET_MANIFEST_CHECK=1",
                               "-o", "json"))
    written = json.loads(kubectl("annotate", "--local", "-f", JOB, "pgfleet/check=1", "-o",
                                 "json"))
    secret = json.loads(kubectl("annotate", "--local", "-f", SECRET, "pgfleet/check=1", "-o",
                                "json"))
    check(typed.get("apiVersion") == "batch/v1" and typed.get("kind") == "Job", "a batch/v1 Job")
    spec = typed.get("spec", {})
    newer = spec if minor >= 26 else written.get("spec", {})
    if minor < 26:
        print(f"check-manifest: kubectl 1.{minor} predates completionMode/podFailurePolicy: "
              "those are checked untyped")
    check(newer.get("completionMode") == "Indexed", "completionMode: Indexed")
    rules = newer.get("podFailurePolicy", {}).get("rules", [])
    check(any(r.get("action") == "FailJob" and 2 in r.get("onExitCodes", {}).get("values", [])
              for r in rules), "podFailurePolicy fails the Job on exit 2 (usage error)")
    for field in ("completions", "parallelism", "backoffLimit"):
        check(isinstance(spec.get(field), int) and spec.get(field) >= 1, f"{field} >= 1")
    pod = spec.get("template", {}).get("spec", {})
    check(pod.get("restartPolicy") == "Never", "restartPolicy: Never")
    check(secret.get("kind") == "Secret" and secret["metadata"]["name"] == "pgfleet",
          "secret.example.yaml is the Secret pgfleet")
    check_container(pod, set(secret.get("stringData", {})))
    for failure in failures:
        print(f"check-manifest: FAIL: {failure}")
    if not failures:
        print(f"check-manifest: ok (kubectl 1.{minor}, typed batch/v1 Job, Indexed)")
    return 1 if failures else 0


# Broken copies of job.yaml the check must refuse: (what, text to replace, replacement).
BREAKAGES = [
    ("a misspelt completionMode", "completionMode: Indexed", "completionMod: Indexed"),
    ("a NonIndexed Job", "completionMode: Indexed", "completionMode: NonIndexed"),
    ("completions of the wrong type", "completions: 4", "completions: four"),
    ("another command", "- --yes", "- --dry-run"),
    ("a run id that is not the Job's name", "metadata.labels['job-name']", "metadata.name"),
    ("a key the Secret lacks", "key: ledger-url", "key: ledger"),
]


def self_test():
    import tempfile
    with open(JOB) as f:
        text = f.read()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for what, old, new in BREAKAGES:
            assert old in text, old
            path = os.path.join(tmp, "job.yaml")
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
            done = subprocess.run([sys.executable, __file__, path, SECRET], capture_output=True)
            caught = done.returncode != 0
            print(f"check-manifest self-test: {what}: {'caught' if caught else 'NOT CAUGHT'}")
            bad += not caught
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--self-test"]:
        sys.argv.pop(1)
        JOB = os.path.join(ROOT, "deploy", "kubernetes", "job.yaml")
        sys.exit(self_test())
    sys.exit(main())
