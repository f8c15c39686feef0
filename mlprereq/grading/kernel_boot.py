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
from mlprereq.grading.kernel.channel import open_channel, private_dumps, reporter
from mlprereq.grading.kernel.policy import path_checks
from mlprereq.grading.kernel.record import recorder
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
    try:  # hidden tests' results, as plain data, for the grader to compare (kernel/record.py)
        begin_record, record, end_record = recorder()
    except Exception:  # no torch / numpy here: hidden tests compare in-process
        begin_record = record = end_record = None
    import linecache

    # Not json.dumps: its Python-level encoder can be replaced by student code (see private_dumps).
    records_dir, dumps, opener = os.path.dirname(spec.channel or "") or None, private_dumps(), open
    recording = {"nonce": None, "lines": None}
    line_caches = [c for c in (getattr(linecache, "cache", None), getattr(linecache, "_ipython_cache", None))
                   if isinstance(c, dict)]

    def forget_test_source() -> None:
        """Drop what the test cell left in linecache (its source, for tracebacks and inspect)."""
        before = recording["lines"] or set()
        for cache in line_caches:
            for key in [k for k in cache if k not in before]:
                cache.pop(key, None)

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
        def begin(nonce: str) -> None:
            """The grader is about to run a hidden test cell: record its checks (see kernel/record.py)."""
            if begin_record is None or recording["nonce"] is not None:
                return  # already recording: only the grader's own nonce ends it
            recording["nonce"], recording["lines"] = nonce, {k for c in line_caches for k in c}
            begin_record()

        @staticmethod
        def record(kind: str, value, options=None, expected=None, has_expected=False) -> bool:
            return record is not None and record(kind, value, options, expected, has_expected)

        @staticmethod
        def end(nonce: str) -> None:
            """Stop recording and hand the records to the grader in <private dir>/records-<nonce>.json."""
            if recording["nonce"] != nonce or records_dir is None:
                return
            recording["nonce"] = None
            forget_test_source()
            records = end_record()
            state["restoring"] = True  # the guard's own write: the audit hook lets it through
            try:
                with opener(os.path.join(records_dir, f"records-{nonce}.json"), "w") as f:
                    f.write(dumps(records))
            except Exception:  # noqa: BLE001 - no records: the grader fails the cell
                pass
            finally:
                state["restoring"] = False
            send({"nonce": nonce, "phase": "records", "count": len(records)})

        @staticmethod
        def check(nonce: str, phase: str, names=None) -> None:
            findings = restore()
            if phase == "after-test":
                pin_test_names()
            elif phase == "after-course" and names is not None:
                pin_test_names(tuple(str(n) for n in names))
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
