"""One frozen description of a grading kernel's sandbox, shared by the grader and the kernel.

The grader builds it from ``SandboxedExecute``'s traitlets (same names),
``SandboxedKernelManager`` adds the paths of one kernel (its report channel and
what the audit hook lets it read and write), and the kernel reads the very same
fields back from ``MLPREREQ_SANDBOX`` (kernel_boot.py). Standard library only:
the kernel imports it before anything else.

    >>> spec = SandboxSpec(memory_mb=1500)
    >>> SandboxSpec.from_json(spec.to_json()) == spec
    True
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

# mlprereq.rules and what it reads sources with: hidden tests import forbid / assert_used / unchanged at run
# time, so a student cell that replaced them (or inspect.getsource) would switch the exercises' rules off.
PROTECT_MODULES = ("builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "torch", "torch.testing",
                   "torch.nn.functional", "mlprereq.checks", "unittest.case", "mlprereq.rules", "inspect", "ast")
PROTECT_CLASSES = ("torch.Tensor",)
ENV_NAME = "MLPREREQ_SANDBOX"


@dataclass(frozen=True)
class SandboxSpec:
    # -- settings: SandboxedExecute's traitlets of the same names ------------------------------------
    sandbox: str = "auto"  # auto | bwrap | limits | off
    memory_mb: int | None = 4096
    cpu_seconds: int | None = 900
    processes: int | None = 64
    file_mb: int | None = 256
    scratch_mb: int = 256
    threads: int = 0
    traceback_mode: str = "Plain"
    course_root: str = ""
    extra_ro_binds: tuple[str, ...] = ()
    protect_modules: tuple[str, ...] = PROTECT_MODULES
    protect_classes: tuple[str, ...] = PROTECT_CLASSES
    # -- one kernel's paths: filled in by SandboxedKernelManager ------------------------------------
    channel: str = ""
    allow_read: tuple[str, ...] = ()
    deny_read: tuple[str, ...] = ()
    allow_write: tuple[str, ...] = ()
    deny_write: tuple[str, ...] = ()

    SETTINGS = ("sandbox", "memory_mb", "cpu_seconds", "processes", "file_mb", "scratch_mb", "threads",
                "traceback_mode", "course_root", "extra_ro_binds", "protect_modules", "protect_classes")

    def __post_init__(self):
        for f in dataclasses.fields(self):  # lists from traitlets or JSON: frozen tuples
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))

    @classmethod
    def from_settings(cls, configurable) -> "SandboxSpec":
        """The settings of ``configurable`` (a SandboxedExecute): its traitlets of the same names."""
        return cls(**{name: getattr(configurable, name) for name in cls.SETTINGS})

    def replace(self, **changes) -> "SandboxSpec":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "SandboxSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in json.loads(text or "{}").items() if k in known})

