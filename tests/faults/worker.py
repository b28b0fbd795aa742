"""The job worker as a real process (huey_consumer), pointed at the test database and a queue of its own."""
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from shop.extensions import huey

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, app, folder: Path, **env):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.queue = folder / "huey.db"
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "HUEY_DB": str(self.queue),
            "INSTANCE_PATH": str(folder),
            "MAIL_FOLDER": app.config["MAIL_FOLDER"],
            "BASE_URL": app.config["BASE_URL"],
            "REDIS_URL": "",
            "PIPELINE_ALLOW_PRIVATE_URLS": "1",
            "PIPELINE_HTTP_TIMEOUT": "5",
            **env,
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, **env) -> None:
        """Start the consumer; env overrides this start only (a database that is down, say)."""
        self.starts += 1
        # Poll the queue often (-d, -m): the default backs off to 10 s when idle, which tests would wait out.
        with open(self.folder / f"worker-{self.starts}.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.consumer", "-w", "1", "-k", "thread", "-s", "1",
                 "-d", "0.05", "-m", "0.2"],
                cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no cleanup, the task in hand is simply gone."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, clean: bool = False) -> None:
        """SIGTERM, as a deploy stops it; clean also removes its folder (queue and logs)."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if clean:
            shutil.rmtree(self.folder, ignore_errors=True)

    def pause(self, paused: bool = True) -> None:
        """Stop (or resume) the periodic sweep; jobs queued by the test still run."""
        flag = self.folder / "paused"
        flag.touch() if paused else flag.unlink(missing_ok=True)

    def drain(self, timeout: float = 15.0) -> bool:
        """Wait until the jobs queued so far are done; False when the worker did not get there in time."""
        from tests.faults.consumer import ping

        result = ping(str(time.monotonic()))
        return wait_for(lambda: result.get() is not None, timeout) is not None

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("worker-*.log")))


@contextmanager
def queue_of(worker: Worker):
    """Jobs the test process enqueues go to the worker's queue instead of running in the test."""
    saved = huey.storage_kwargs.get("filename")
    huey.storage_kwargs["filename"] = str(worker.queue)
    huey.immediate = False  # a new storage, on the worker's file
    try:
        yield
    finally:
        huey.storage_kwargs["filename"] = saved
        huey.immediate = True


def wait_for(check, timeout: float = 15.0, every: float = 0.05):
    """Poll until check() is truthy; its value, or None at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    return None
