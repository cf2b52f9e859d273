"""A real Spark Connect server on 127.0.0.1 for the Spark tests, one per test session.

It is started from the full `pyspark` package (its `jars/` hold the Spark Connect server)
with `spark-submit`, bound to 127.0.0.1 only (gRPC and driver), on a free port, with a
temporary local and warehouse directory, and stopped with SIGTERM at the end of the
session. `.ci/run` installs Java and pyspark, so in CI these tests run; elsewhere they
skip, saying which of the two is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
# Start-up takes ~5 s on an idle machine; a loaded CI box with 2 cores takes longer.
READY_TIMEOUT = 180.0


def spark_home() -> Path | None:
    """The full pyspark package's directory (with bin/spark-submit and the connect jar),
    or None when only the slim client (pyspark-client) or nothing is installed."""
    try:
        import pyspark
    except ImportError:
        return None
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-submit").is_file():
        return None
    if not any((home / "jars").glob("spark-connect_*.jar")):
        return None
    return home


def _missing() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed (apt-get install openjdk-17-jre-headless; see .ci/run)"
    if spark_home() is None:
        return "the full pyspark is not installed (pip install 'pyspark[connect]'; see .ci/run)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _command(home: Path, port: int, work: Path) -> list[str]:
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.local.dir": str(work / "local"),
        "spark.sql.warehouse.dir": str(work / "warehouse"),
        # A test's few rows need few shuffle partitions (the default 200 is all overhead).
        "spark.sql.shuffle.partitions": "2",
    }
    command = [str(home / "bin" / "spark-submit"), "--class", SERVER_CLASS]
    command += ["--master", "local[2]", "--driver-memory", "1g"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return command


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def spark_url(tmp_path_factory) -> Iterator[str]:
    """`sc://127.0.0.1:PORT` of a Spark Connect server running for this test session
    (CONNLOG_TEST_SPARK_REMOTE, when set, names one already running instead)."""
    given = os.environ.get("CONNLOG_TEST_SPARK_REMOTE")
    if given:
        yield given
        return
    missing = _missing()
    if missing:
        pytest.skip(f"Spark tests need a local Spark Connect server: {missing}")
    home = spark_home()
    assert home is not None
    work = tmp_path_factory.mktemp("spark")
    (work / "local").mkdir()
    (work / "conf").mkdir()  # an empty SPARK_CONF_DIR: no site defaults leak in
    port = _free_port()
    log = work / "server.log"
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_CONF_DIR=str(work / "conf"))
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    with log.open("wb") as out:
        server = subprocess.Popen(
            _command(home, port, work),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=work,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not _listening(port):
            if server.poll() is not None:
                pytest.fail(f"the Spark Connect server exited ({server.returncode}):\n{_tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the Spark Connect server was not ready in time:\n{_tail(log)}")
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (spark-submit runs java under a shell), then
    SIGKILL if it has not gone in 60 s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
