"""The job worker as a real process (huey_consumer), pointed at the test database and a queue of its own."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, app, folder: Path, **env):
        self.folder = folder
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "HUEY_DB": str(folder / "huey.db"),
            "INSTANCE_PATH": str(folder),
            "MAIL_FOLDER": app.config["MAIL_FOLDER"],
            "BASE_URL": app.config["BASE_URL"],
            "REDIS_URL": "",
            "PIPELINE_ALLOW_PRIVATE_URLS": "1",
            **env,
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.folder / f"worker-{self.starts}.log", "wb")
        consumer = str(Path(sys.executable).with_name("huey_consumer"))
        self.process = subprocess.Popen(
            [consumer, "shop.worker.huey", "-w", "1", "-k", "thread"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no cleanup, the task in hand is simply gone."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("worker-*.log")))


def wait_for(check, timeout: float = 15.0, every: float = 0.1):
    """Poll until check() is truthy; its value, or None at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    return None
