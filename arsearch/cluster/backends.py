"""Where the shards of a sharded index run: in the calling process, or one Ray actor each.

A backend calls one method of ``arsearch.cluster.shard.Shard`` on some shards and
returns the results in shard order. ``InProcess`` needs nothing but arsearch;
``RayShards`` (the ``arsearch[cluster]`` extra) joins or starts a Ray cluster
and keeps one actor per shard, which opens its shard with ``Index.open`` (the
engine's checksums and safe loader) and runs analysis, extraction and writing
for its articles and the shard's part of every search.

Ray restarts an actor that dies (``MAX_RESTARTS``) and re-sends the call it
was running (``MAX_TASK_RETRIES``): every shard call can be run twice (an
ingest batch re-planned on the restarted actor skips what was committed). A
call that still fails raises ``ShardFailed`` naming the shard; a cluster that
cannot be reached raises ``ClusterUnavailable``: one line each, never a Ray
traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arsearch import maintenance
from arsearch.cluster.shard import SEQUENCE_FILE, Shard
from arsearch.errors import (
    ArsearchError,
    ClusterUnavailable,
    DamagedIndex,
    IndexNotFound,
    ShardFailed,
)

#: The environment variable that names the cluster when ``--cluster`` is not given.
CLUSTER_ENV = "ARSEARCH_CLUSTER"
#: Times Ray restarts a dead shard actor, and re-sends the call it was running.
MAX_RESTARTS = 3
MAX_TASK_RETRIES = 3
#: Seconds to wait for the shards' actors to start and open their shards.
START_TIMEOUT = 300.0
#: Seconds to wait for a cluster's port before calling it unreachable.
CONNECT_TIMEOUT = 5.0
_HOST_PORT = re.compile(r"^(?:ray://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})$")

#: One shard call: (method name, positional arguments).
Call = tuple[str, tuple[Any, ...]]


def check_address(address: str) -> tuple[str, int] | None:
    """(host, port) of a cluster address, None for ``local`` and ``auto``.

    Raises:
        ClusterUnavailable: not ``local``, ``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``.
    """
    if address in ("local", "auto"):
        return None
    match = _HOST_PORT.match(address)
    if match is None or not 0 < int(match.group(2)) < 65536:
        raise ClusterUnavailable(address, "not an address: give local, auto, HOST:PORT "
                                          "or ray://HOST:PORT")
    return match.group(1).strip("[]"), int(match.group(2))


def is_private(address: str) -> bool:
    """Whether a cluster address stays on this machine or a private network
    (loopback, RFC 1918, link-local, IPv6 unique-local); ``local``/``auto`` do.

    A host name is looked up; one that resolves to any public address is not private.
    """
    host_port = check_address(address)
    if host_port is None:
        return True
    host = host_port[0]
    if host == "localhost":
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%")[0]).is_private for a in addresses)


class InProcess:
    """The shards opened in this process, called one after the other."""

    def __init__(self, paths: Sequence[Path], gazetteer: Sequence[str], *,
                 opened: bool = True) -> None:
        self.paths = list(paths)
        self.shards = [open_shard(path, gazetteer) for path in paths] if opened else []

    def call(self, calls: dict[int, Call]) -> dict[int, Any]:
        """Run ``{shard: (method, args)}``; results by shard."""
        return {number: getattr(self.shards[number], method)(*args)
                for number, (method, args) in sorted(calls.items())}

    def maintain(self, calls: dict[int, Call]) -> dict[int, Any]:
        """Run ``{shard: (function of arsearch.maintenance, args)}`` on the shards' paths,
        one after the other; results by shard."""
        return {number: run_maintenance(self.paths[number], function, args)
                for number, (function, args) in sorted(calls.items())}

    def close(self) -> None:
        for shard in self.shards:
            shard.close()


#: What ``maintain`` may run on a shard: ``arsearch.maintenance``'s functions by name.
MAINTENANCE = ("repair", "reindex")


def run_maintenance(path: Path, function: str, args: tuple[Any, ...]) -> Any:
    """``arsearch.maintenance.<function>(path, **args[0])`` on one shard, keeping its
    sequence file (the order of ingest across shards) through a rebuild."""
    if function not in MAINTENANCE:
        raise ValueError(f"not a maintenance function: {function!r}")
    kept = path / SEQUENCE_FILE
    saved = path.with_name(path.name + ".sequence")
    if kept.exists():
        shutil.copyfile(kept, saved)
    try:
        return getattr(maintenance, function)(path, **(args[0] if args else {}))
    finally:
        if saved.exists():
            if path.is_dir():
                os.replace(saved, kept)
            else:
                saved.unlink()


def open_shard(path: Path, gazetteer: Sequence[str]) -> Shard:
    """The shard at ``path``, opened as any index is.

    Raises:
        DamagedIndex: the shard's directory is missing (or a file of it damaged).
    """
    if not path.is_dir():
        raise DamagedIndex(str(path.parent), path.name, "the shard's directory is missing")
    try:
        return Shard.open(path, gazetteer=gazetteer)
    except IndexNotFound:
        raise DamagedIndex(str(path.parent), path.name,
                           "the shard's directory holds no index") from None


class _ShardActor:
    """The body of a shard's Ray actor: the shard, opened where the actor runs."""

    def __init__(self, path: str, gazetteer: list[str]) -> None:
        self.path = Path(path)
        self.gazetteer = gazetteer
        self._open()

    def _open(self) -> None:
        # A shard that does not open is reported by the first call, as the error it
        # is: an actor that dies in __init__ would reach the caller as a Ray traceback.
        self.error: ArsearchError | None = None
        try:
            self.shard = open_shard(self.path, self.gazetteer)
        except ArsearchError as exc:
            self.error = exc

    def maintain(self, function: str, *args: Any) -> tuple[bool, Any]:
        """``run_maintenance`` on this actor's shard, which need not open (a damaged
        one, for ``repair``): the shard is closed first and opened again after."""
        if self.error is None:
            self.shard.close()
        try:
            return True, run_maintenance(self.path, function, args)
        except ArsearchError as exc:
            return False, _pack(exc)
        finally:
            self._open()

    def call(self, method: str, *args: Any) -> tuple[bool, Any]:
        """(True, result), or (False, the packed ``ArsearchError`` it raised)."""
        if self.error is not None:
            return False, _pack(self.error)
        try:
            return True, getattr(self.shard, method)(*args)
        except ArsearchError as exc:
            return False, _pack(exc)

    def pid(self) -> tuple[bool, Any]:
        return (False, _pack(self.error)) if self.error is not None else (True, os.getpid())

    def node(self) -> tuple[bool, str]:
        """(True, the id of the Ray node this actor runs on)."""
        import ray

        return True, ray.get_runtime_context().get_node_id()


def _pack(error: ArsearchError) -> tuple[type, tuple[Any, ...], dict[str, Any]]:
    """An arsearch error as plain parts: its classes take other arguments than they
    pass to ``Exception``, so they do not unpickle by themselves."""
    return type(error), error.args, dict(vars(error))


def _unpack(packed: tuple[type, tuple[Any, ...], dict[str, Any]]) -> ArsearchError:
    kind, args, attributes = packed
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    vars(error).update(attributes)
    return error


class RayShards:
    """One Ray actor per shard, on the cluster ``address`` names (``ray.init``'s forms:
    ``local`` starts one on this machine, ``auto`` joins the one running here,
    ``HOST:PORT`` a head's GCS port, ``ray://HOST:PORT`` its client port)."""

    def __init__(self, paths: Sequence[Path], gazetteer: Sequence[str], address: str,
                 max_restarts: int = MAX_RESTARTS, *, opened: bool = True) -> None:
        """``opened``: False for maintenance, where a shard that does not open is
        what ``maintain`` is for (its error is not raised here)."""
        check_address(address)
        try:
            import ray
        except ImportError:
            raise ClusterUnavailable(address, "Ray is not installed: pip install "
                                              "'arsearch[cluster]'") from None
        self._ray = ray
        connect(address)
        # No CPUs reserved: an actor is idle between calls, and a machine may hold
        # more shards than cores (Ray then schedules them by its default of one CPU).
        # Spread over the nodes: each shard's work on its own machine where it can.
        remote = ray.remote(max_restarts=max_restarts, scheduling_strategy="SPREAD",
                            max_task_retries=MAX_TASK_RETRIES if max_restarts else 0)
        actor_class = remote(_ShardActor)
        self.paths = list(paths)
        self.actors = [actor_class.remote(str(path), list(gazetteer)) for path in paths]
        # Every shard opened (or the first failure raised) before any call.
        started = {number: actor.pid.remote() for number, actor in enumerate(self.actors)}
        if opened:
            self._get(started, timeout=START_TIMEOUT)
        else:
            self._get({n: actor.node.remote() for n, actor in enumerate(self.actors)},
                      timeout=START_TIMEOUT)

    def call(self, calls: dict[int, Call]) -> dict[int, Any]:
        """Run ``{shard: (method, args)}`` on the actors at once; results by shard."""
        return self._get({number: self.actors[number].call.remote(method, *args)
                          for number, (method, args) in calls.items()})

    def maintain(self, calls: dict[int, Call]) -> dict[int, Any]:
        """Run ``{shard: (function of arsearch.maintenance, args)}`` on the actors at
        once (``_ShardActor.maintain``); results by shard."""
        return self._get({number: self.actors[number].maintain.remote(function, *args)
                          for number, (function, args) in calls.items()})

    def _get(self, refs: dict[int, Any], timeout: float | None = None) -> dict[int, Any]:
        ray = self._ray
        results = {}
        for number, ref in sorted(refs.items()):
            try:
                done, result = ray.get(ref, timeout=timeout)
            except ray.exceptions.GetTimeoutError:
                raise ShardFailed(number, str(self.paths[number]),
                                  f"no actor started in {timeout:.0f}s (no room on the "
                                  f"cluster?)") from None
            except ray.exceptions.RayTaskError as exc:  # a bug, not bad input
                cause = getattr(exc, "cause", None)
                raise ShardFailed(number, str(self.paths[number]),
                                  f"{type(cause).__name__}: {cause}") from None
            except ray.exceptions.RayActorError:
                raise ShardFailed(number, str(self.paths[number]),
                                  "its actor died and Ray could not restart it") from None
            except ray.exceptions.RayError as exc:
                raise ShardFailed(number, str(self.paths[number]),
                                  f"{type(exc).__name__}") from None
            if not done:
                raise _unpack(result)
            results[number] = result
        return results

    def nodes(self) -> list[str]:
        """The Ray node of each shard's actor, in shard order."""
        found = self._get({n: actor.node.remote() for n, actor in enumerate(self.actors)})
        return [found[n] for n in range(len(self.actors))]

    def close(self) -> None:
        for actor in self.actors:
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:  # already gone; nothing to release
                continue
        self.actors = []


def connect(address: str) -> None:
    """Join (or, for ``local``, start) the Ray cluster ``address`` names, once per process.

    Raises:
        ClusterUnavailable: a malformed address, nothing listening there, or Ray
            refusing to connect.
    """
    import ray

    host_port = check_address(address)
    if host_port is not None:
        try:
            socket.create_connection(host_port, timeout=CONNECT_TIMEOUT).close()
        except OSError as exc:
            raise ClusterUnavailable(address, exc.strerror or str(exc)) from None
    if ray.is_initialized():
        return
    try:
        ray.init(address=None if address == "local" else address,
                 logging_level="ERROR", log_to_driver=False)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError…
        message = str(exc).strip().splitlines()
        raise ClusterUnavailable(address, message[0] if message else type(exc).__name__
                                 ) from None
