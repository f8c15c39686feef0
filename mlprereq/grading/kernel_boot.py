"""Start a grading kernel: limits, the audit hook and the tamper guard, then ipykernel.

Runs *inside* the sandbox (see sandbox.py), as

    python -m mlprereq.grading.kernel_boot -f CONNECTION_FILE

with its :class:`~mlprereq.grading.spec.SandboxSpec` in the environment variable
``MLPREREQ_SANDBOX``. Before any student code runs it

* sets resource limits on itself (memory, CPU time, processes, file size);
* opens the report channel to the grader (kernel/channel.py: a FIFO, unlinked
  once open, so no student code can open it again; what was written cannot be taken back);
* installs the audit hook (kernel/audit.py, with the path policy of
  kernel/policy.py; hooks cannot be removed) that blocks and reports network
  use, reads of the course's private files, writes outside the scratch folder,
  fork bombs and changes to protected classes;
* prepares the snapshot of the objects test cells rely on (kernel/snapshot.py),
  kept by a guard class that the grader reaches through ``int.__subclasses__()``
  (reached as ``(0).__class__``), which no student cell can rebind.

Before and after each test cell the grader asks the guard to compare the live
objects with the snapshot (``_mlprereq_grading_guard.check``); anything replaced
is put back and reported through the channel with the grader's nonce.
"""
from __future__ import annotations

import os
import sys

from mlprereq.grading.kernel.audit import audit_hook
from mlprereq.grading.kernel.channel import open_channel, reporter
from mlprereq.grading.kernel.policy import path_checks
from mlprereq.grading.kernel.snapshot import snapshot_guard
from mlprereq.grading.spec import ENV_NAME, SandboxSpec


def set_limits(spec) -> None:
    import resource

    mb = 1024 * 1024
    wanted = {
        # RLIMIT_DATA counts heap and anonymous mappings (Linux >= 4.7) but not
        # shared libraries, so torch imports fine while a memory bomb gets MemoryError.
        getattr(resource, "RLIMIT_DATA", None): spec.memory_mb and spec.memory_mb * mb,
        resource.RLIMIT_CPU: spec.cpu_seconds or None,
        getattr(resource, "RLIMIT_NPROC", None): spec.processes or None,
        resource.RLIMIT_FSIZE: spec.file_mb and spec.file_mb * mb,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in wanted.items():
        if which is None or value is None:
            continue
        try:
            soft, hard = resource.getrlimit(which)
            value = int(value)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            # The CPU limit's hard value sits a little above the soft one: SIGXCPU first, then SIGKILL.
            new_hard = value + 5 if which == resource.RLIMIT_CPU and hard == resource.RLIM_INFINITY else value
            resource.setrlimit(which, (value, new_hard))
        except (ValueError, OSError):
            pass


def install(spec: SandboxSpec):
    """The audit hook and the guard; returns the guard class (also reachable via int.__subclasses__())."""
    import importlib

    send, report = reporter(open_channel(spec.channel))
    state = {"armed": False, "restoring": False, "ids": None}
    protected_types: dict = {}   # id(class) -> (class, its snapshot, its name)
    protected_code: dict = {}    # id(function) -> name
    check_read, check_write = path_checks(spec, report)
    keep: list = []
    sys.addaudithook(audit_hook(state, check_read, check_write, report, protected_types, protected_code, keep))
    take_snapshot, restore, pin_test_names = snapshot_guard(spec, state, protected_types, protected_code)

    # Import the protected modules now (the notebooks use them anyway), so arm() is quick.
    for name in spec.protect_modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass

    # A subclass of int, not of object: int has a handful of subclasses to look through per check,
    # object thousands (torch's). The first class of that name is this one: it exists before any student code.
    class _mlprereq_grading_guard(int):  # noqa: N801 - found by name through int.__subclasses__()
        __slots__ = ()

        @staticmethod
        def arm(nonce: str) -> None:
            take_snapshot()
            findings = restore()  # nothing can have changed yet; a finding here is a bug in the snapshot
            state["armed"] = True
            send({"nonce": nonce, "phase": "arm", "findings": findings})

        @staticmethod
        def check(nonce: str, phase: str) -> None:
            findings = restore()
            if phase == "after-test":
                pin_test_names()
            send({"nonce": nonce, "phase": phase, "findings": findings})

    # __subclasses__() holds weak references: the audit hook (which can never be removed) keeps the class.
    keep.append(_mlprereq_grading_guard)
    return _mlprereq_grading_guard


def main() -> None:
    spec = SandboxSpec.from_json(os.environ.pop(ENV_NAME, "{}"))
    # The grader's pid means nothing inside a PID namespace (ipykernel would think its parent died);
    # bwrap --die-with-parent ends the kernel with the grader instead.
    os.environ.pop("JPY_PARENT_PID", None)
    set_limits(spec)
    install(spec)
    import runpy

    sys.argv[0] = "ipykernel_launcher"
    if spec.traceback_mode and not any(a.startswith("--InteractiveShell.xmode") for a in sys.argv):
        sys.argv.append(f"--InteractiveShell.xmode={spec.traceback_mode}")
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
