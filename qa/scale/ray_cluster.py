"""Connecting `qa index --ray` to a Ray cluster: a local one started for the run, or an
existing one at an address (docs/ray.md). Only the address differs between the two."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from qa.errors import QAError

log = logging.getLogger(__name__)

INSTALL = "pip install 'ray[data]>=2.40'"
# An actor's resident memory with all-MiniLM-L6-v2 embedding a call was measured at 1.2 GB
# (ONNX Runtime and torch both loaded, docs/ray.md); more for larger models.
ACTOR_MEMORY = 1_500_000_000
REACH_SECONDS = 5.0  # Ray itself retries an unreachable address for 30 s (ray://) or forever
# Ray reads these only from the environment. Its sockets live under its temporary folder, and a
# Unix socket's path must stay under 108 bytes, which a long $TMPDIR overruns. A cluster that
# lives only for the run skips Ray's token authentication, which would write ~/.ray/auth_token.
_LOCAL_ENVIRONMENT = {"RAY_TMPDIR": "/tmp", "RAY_AUTH_MODE": "disabled"}


@dataclass(frozen=True)
class RayCluster:
    """Where and how wide `qa index --ray` runs.

    Args:
        address: An existing cluster: "auto" (the one this machine belongs to), "HOST:6379"
            (its head node) or "ray://HOST:10001" (Ray Client); None starts a local cluster
            for the run and stops it afterwards.
        workers: Embedding actors, each holding one copy of the model (default: one per CPU
            of the cluster, as many as its memory holds at `ACTOR_MEMORY` each; a local
            cluster gets this many CPUs).
        runtime_env: Ray's runtime environment for the workers, e.g. `{"working_dir": "."}`
            when the cluster's machines lack this project (docs/ray.md).
    """

    address: str | None = None
    workers: int | None = None
    runtime_env: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise QAError(f"--workers {self.workers}: give at least 1 embedding actor")
        if not isinstance(self.runtime_env, Mapping):
            raise QAError(
                f"the runtime environment must be a JSON object, not {self.runtime_env!r}; "
                'e.g. {"working_dir": "."}'
            )


def require_ray() -> ModuleType:
    """The `ray` module, with Ray Data.

    Raises:
        QAError: Ray is not installed, saying how to install it.
    """
    try:
        import ray
        import ray.data  # noqa: F401 - the part `qa index --ray` uses; it has extra dependencies
    except ImportError as exc:
        raise QAError(
            f"indexing with Ray needs Ray Data, which is not installed ({exc}); install it with "
            f"`{INSTALL}` (./dev.sh installs it with the test extras)"
        ) from exc
    return ray


@contextmanager
def connected(cluster: RayCluster) -> Iterator[int]:
    """Connect to `cluster` (starting a local one when it has no address) for the `with`
    block; yields how many embedding actors to run. A Ray already connected in this process
    (a test's, a notebook's) is used as it is and left connected.

    Raises:
        QAError: Ray is missing, or no cluster answers at the address.
    """
    ray = require_ray()
    if ray.is_initialized():
        with _quiet(ray):
            yield _workers(ray, cluster.workers)
        return
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        "runtime_env": dict(cluster.runtime_env) or None,
    }
    if cluster.address:
        _check_reachable(cluster.address)
        try:
            ray.init(address=cluster.address, **options)
        except ConnectionError as exc:
            raise QAError(f"cannot connect to a Ray cluster at {cluster.address}: {exc}") from exc
    else:
        for name, value in _LOCAL_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        # "local": a new cluster even where $RAY_ADDRESS names one (the CLI reads it)
        ray.init(address="local", num_cpus=cluster.workers or os.cpu_count(), **options)
    try:
        with _quiet(ray):
            yield _workers(ray, cluster.workers)
    finally:
        ray.shutdown()  # a local cluster stops; from a remote one this process disconnects


@contextmanager
def _quiet(ray: ModuleType) -> Iterator[None]:
    """Ray Data without its own progress bars and log lines (`qa.progress` shows progress)."""
    context = ray.data.DataContext.get_current()
    bars = context.enable_progress_bars
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled"
    try:
        yield
    finally:
        context.enable_progress_bars = bars


def _workers(ray: ModuleType, wanted: int | None) -> int:
    """`wanted` actors, or one per CPU that memory allows; no more than the cluster has CPUs,
    since an actor waiting for one would wait for ever."""
    resources = ray.cluster_resources()
    cpus = max(1, int(resources.get("CPU", 1)))
    if wanted is None:
        return max(1, min(cpus, int(resources.get("memory", 0)) // ACTOR_MEMORY))
    if wanted > cpus:
        log.warning(
            "the Ray cluster has %d CPUs; running %d embedding actors, not %d", cpus, cpus, wanted
        )
    return min(wanted, cpus)


def _check_reachable(address: str) -> None:
    """Fail within `REACH_SECONDS` when nothing listens at `address` ("auto" aside: Ray
    finds that one itself, and says so at once when there is none)."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise QAError(
            f"--address {address}: give HOST:PORT (a cluster node, port 6379), "
            "ray://HOST:10001 (Ray Client) or auto"
        )
    try:
        socket.create_connection((host, int(port)), timeout=REACH_SECONDS).close()
    except OSError as exc:
        raise QAError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one there with "
            "`ray start --head`, or check the address and that the port is open (docs/ray.md)"
        ) from exc
