"""Real PostgreSQL copies behind emulated Neon branches, and the hosts file that names them.

A branch is a pg_basebackup of its parent's cluster, started on its own loopback address with
the parent's port, so that a rewritten connection string differs only in its host, as on Neon.
Endpoint names resolve through nss_wrapper: the process under test runs with
LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_HOSTS=<hosts file>; nss_wrapper re-reads the file when
it changes, and we replace it atomically (write + rename) so a reader never sees half a file.
"""

import os
import shutil
import socket
import subprocess
import threading
import time


def _as_postgres(argv):
    """initdb, pg_ctl and pg_basebackup refuse to run as root: run them as `postgres`."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def _chown_postgres(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def port_free(ip, port):
    with socket.socket() as sock:
        try:
            sock.bind((ip, port))
            return True
        except OSError:
            return False


class HostsFile:
    """name -> ip, written whole on every change."""

    def __init__(self, path):
        self.path = path
        self.names = {}
        self.lock = threading.Lock()
        self.mtime = 0
        self._write()

    def add(self, name, ip):
        with self.lock:
            self.names[name] = ip
            self._write()

    def remove(self, name):
        with self.lock:
            self.names.pop(name, None)
            self._write()

    def _write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as out:
            for name, ip in sorted(self.names.items()):
                out.write(f"{ip} {name}\n")
        os.chmod(tmp, 0o644)
        # nss_wrapper reloads the file only when st_mtime, in whole seconds, differs from what it
        # read: two writes within one second would leave a process with the older names. So
        # every version gets its own, strictly increasing second (running ahead of the clock
        # when writes come fast).
        self.mtime = max(int(time.time()), self.mtime + 1)
        os.utime(tmp, (self.mtime, self.mtime))
        os.rename(tmp, self.path)


class AddressPool:
    """Hands out 127.0.0.2, 127.0.0.3, ... never twice (a stale name must not reach a new
    branch), skipping addresses where `port` is already taken."""

    def __init__(self):
        self.next = 2
        self.lock = threading.Lock()

    def take(self, port):
        with self.lock:
            while True:
                n = self.next
                self.next += 1
                if n >= 254 * 254:
                    raise RuntimeError("no loopback address left")
                ip = f"127.0.{n // 254}.{n % 254 or 254}"
                if port is None or port_free(ip, port):
                    return ip


class Cluster:
    """A PostgreSQL data directory we started (or the parent, which we only read from)."""

    def __init__(self, host, port, superuser, password, data_dir=None, owned_dir=None):
        self.host = host
        self.port = port
        self.superuser = superuser
        self.password = password
        self.data_dir = data_dir
        self.owned_dir = owned_dir  # removed on stop; None for the parent
        self.running = False


class ClusterManager:
    def __init__(self, pg_bin, work_dir, log):
        self.pg_bin = pg_bin
        self.work_dir = work_dir
        self.log = log
        self.started = []  # clusters to stop at exit
        self.lock = threading.Lock()
        self.shutting_down = False
        os.makedirs(work_dir, exist_ok=True)
        os.chmod(work_dir, 0o755)

    def _run(self, argv, password=None, timeout=120):
        env = dict(os.environ)
        if password is not None:
            env["PGPASSWORD"] = password
        done = subprocess.run(_as_postgres(argv), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{os.path.basename(argv[0])} failed: {done.stdout.strip()[-800:]}")

    def copy(self, source, name, ip):
        """pg_basebackup of `source` into a new cluster on ip:source.port, started."""
        if self.shutting_down:
            raise RuntimeError("emulator is shutting down")
        base = os.path.join(self.work_dir, name)
        os.makedirs(base, mode=0o700)
        _chown_postgres(base)
        data = os.path.join(base, "data")
        clone = Cluster(ip, source.port, source.superuser, source.password, data, base)
        try:
            self._copy_and_start(source, clone)
        except Exception:
            self.stop(clone)
            shutil.rmtree(base, ignore_errors=True)
            raise
        self.log(f"branch cluster {name} up on {ip}:{source.port}")
        return clone

    def _copy_and_start(self, source, clone):
        data, base = clone.data_dir, clone.owned_dir
        self._run([os.path.join(self.pg_bin, "pg_basebackup"), "-h", source.host,
                   "-p", str(source.port), "-U", source.superuser, "-D", data,
                   "-X", "stream", "-c", "fast", "--no-sync"], password=source.password)
        with open(os.path.join(data, "postgresql.conf"), "a") as conf:
            conf.write("\n# emulated Neon branch\n"
                       f"listen_addresses = '{clone.host}'\nport = {source.port}\n"
                       f"unix_socket_directories = '{base}'\n")
        for leftover in ("standby.signal", "recovery.signal"):
            path = os.path.join(data, leftover)
            if os.path.exists(path):
                os.remove(path)
        with self.lock:
            if self.shutting_down:
                raise RuntimeError("emulator is shutting down")
            self.started.append(clone)
        self._run([os.path.join(self.pg_bin, "pg_ctl"), "-D", data, "-l",
                   os.path.join(base, "postgres.log"), "-w", "-t", "60", "start"])
        clone.running = True

    def stop(self, cluster):
        """Stops a cluster we started and removes its directory. Idempotent."""
        if cluster is None or cluster.owned_dir is None:
            return
        if os.path.exists(os.path.join(cluster.data_dir, "postmaster.pid")):
            try:
                self._run([os.path.join(self.pg_bin, "pg_ctl"), "-D", cluster.data_dir,
                           "-m", "immediate", "-w", "-t", "30", "stop"])
            except Exception as error:  # still remove what we can
                self.log(f"stopping {cluster.data_dir}: {error}")
        cluster.running = False
        shutil.rmtree(cluster.owned_dir, ignore_errors=True)
        with self.lock:
            if cluster in self.started:
                self.started.remove(cluster)

    def stop_all(self):
        with self.lock:
            self.shutting_down = True
            clusters = list(self.started)
        for cluster in clusters:
            self.stop(cluster)
