"""Take the network away from a process that evaluates public SPARQL queries.

Oxigraph really calls a SERVICE endpoint over HTTP, and no text check can be sure to find every
SERVICE the parser finds (a parser differential: the guard and the engine tokenize differently).
So the guarantee comes from the operating system, in two independent layers entered by each
worker before it opens the store:

1. its own **network namespace** (`unshare(CLONE_NEWNET)`; as a normal user, together with a new
   user namespace): the only interface is a loopback that is down, so every connection, even to
   127.0.0.1, fails with "network unreachable";
2. a **seccomp filter** (libseccomp, through pyseccomp) that makes `socket`, `connect` and
   `io_uring_setup` fail with EPERM: the worker already holds the one socket it needs (its end of
   a socket pair to the server), so it never creates another.

Each layer is checked after it is entered, by trying what it forbids. Where the platform refuses
both (not Linux, no namespaces for this user, no libseccomp), `Isolation.isolated` is False and
says why: the server then says so loudly at start and refuses any SERVICE-looking text.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import sys
from dataclasses import dataclass, field

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
# An address no packet is sent to: the check only needs to see the connection refused before
# any route exists.
_PROBE_ADDRESS = ("127.0.0.1", 9)
_DENIED_SYSCALLS = ("socket", "connect", "io_uring_setup")


@dataclass(frozen=True)
class Isolation:
    """What a worker process could do to lose its network access, and what failed."""

    namespace: bool = False  # in a network namespace of its own, with no usable interface
    seccomp: bool = False  # socket() and connect() are denied by a seccomp filter
    problems: tuple[str, ...] = field(default=())

    @property
    def isolated(self) -> bool:
        """Whether the process can open no network connection (either layer suffices)."""
        return self.namespace or self.seccomp

    def describe(self) -> str:
        layers = [name for name, on in (("network namespace", self.namespace), ("seccomp", self.seccomp)) if on]
        text = " + ".join(layers) if layers else "none"
        return text + (f" ({'; '.join(self.problems)})" if self.problems else "")

    def encode(self) -> str:
        """One line for the worker's ready message (see worker.py)."""
        flags = f"namespace={int(self.namespace)} seccomp={int(self.seccomp)}"
        return flags + "".join(f"\t{problem}" for problem in self.problems)

    @classmethod
    def decode(cls, line: str) -> Isolation:
        flags, *problems = line.split("\t")
        values = dict(item.split("=", 1) for item in flags.split())
        return cls(values.get("namespace") == "1", values.get("seccomp") == "1", tuple(problems))


def isolate() -> Isolation:
    """Enter both layers (this process only; call it first thing, single-threaded)."""
    if not sys.platform.startswith("linux"):
        return Isolation(problems=(f"{sys.platform}: network namespaces and seccomp are Linux only",))
    problems: list[str] = []
    namespace = _enter_network_namespace(problems)
    seccomp = _deny_new_sockets(problems)
    return Isolation(namespace, seccomp, tuple(problems))


def _enter_network_namespace(problems: list[str]) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    # Root (or CAP_SYS_ADMIN) may enter a network namespace directly; a normal user needs a user
    # namespace of its own first, where the kernel allows unprivileged ones.
    for flags, name in ((CLONE_NEWNET, "unshare(CLONE_NEWNET)"), (CLONE_NEWUSER | CLONE_NEWNET, "unshare(CLONE_NEWUSER|CLONE_NEWNET)")):
        if libc.unshare(flags) == 0:
            break
        error = ctypes.get_errno()
        problems.append(f"{name} refused: {errno.errorcode.get(error, error)}")
    else:
        return False
    if not _no_route_to_loopback():
        problems.append("a network namespace was entered but loopback is still reachable")
        return False
    interfaces = [name for _, name in socket.if_nameindex()]
    if interfaces != ["lo"]:
        problems.append(f"the new network namespace has interfaces {interfaces}")
        return False
    problems.clear()  # the first attempt's refusal is no problem once the second one worked
    return True


def _no_route_to_loopback() -> bool:
    """Whether a TCP connection to 127.0.0.1 fails at once for want of any route (not refused by
    a listener, which would mean loopback is up)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.settimeout(1)
        probe.connect(_PROBE_ADDRESS)
    except OSError as error:
        return error.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL)
    finally:
        probe.close()
    return False


def _deny_new_sockets(problems: list[str]) -> bool:
    try:
        import pyseccomp
    except (ImportError, OSError) as error:  # OSError: the package is there, libseccomp.so is not
        problems.append(f"seccomp unavailable: {error}")
        return False
    try:
        denied = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for name in _DENIED_SYSCALLS:
            try:
                denied.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
            except (ValueError, RuntimeError, OSError):  # a syscall this libseccomp does not know
                if name != "io_uring_setup":
                    raise
        denied.load()
    except Exception as error:  # the kernel or library refused the filter
        problems.append(f"seccomp filter refused: {type(error).__name__}: {error}")
        return False
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    problems.append("a seccomp filter was loaded but socket() still works")
    return False
