"""Count the stops on the walk from ``course autograde`` to a scored notebook.

A *stop* is a call from the course's own code in one module into the course's
own code in another module (``mlprereq.*``): the places a reader has to open to
follow the assignment name. A *climb back* is a stop into a module the walk is
already inside of (a cycle between modules). Calls nbgrader makes back into the course's preprocessors
(the per-cell work of SandboxedExecute etc.) are not part of the walk and are
not counted, nor is anything after the first notebook is scored.

Every such call is a stop (the same function called twice is two stops); the
distinct functions are printed too.

Counted with ``sys.setprofile`` on ``course autograde ASSIGNMENT --workers 1``
for one blank submission of a demo course (one process: the walk through the
worker pool is the same calls, made in a worker).

    .venv/bin/python bench/stops.py [ASSIGNMENT]
"""
from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path


def trace(argv: list[str]):
    """(stops, entries per module, climbs) of running ``course`` with ``argv`` in this process."""
    import mlprereq

    package = str(Path(mlprereq.__file__).resolve().parent) + "/"
    stack: list[str | None] = []  # per frame: its module when the frame is on the walk, else None
    stops: list[tuple[str, str]] = []
    entries: Counter = Counter()
    climbs = 0
    done = False

    def profile(frame, event, arg):
        nonlocal climbs, done
        if done or event not in ("call", "return"):
            return
        if event == "return":
            if stack:
                stack.pop()
            return
        code = frame.f_code
        if code.co_name == "preprocess" and type(frame.f_locals.get("self")).__name__ == "SaveAutoGrades":
            done = True  # the first notebook is being scored: the walk ends here
            return
        ours = code.co_filename.startswith(package) and code.co_name != "<module>"
        module = "mlprereq/" + code.co_filename[len(package):] if ours else None
        parent = stack[-1] if stack else None
        on_walk = ours and (parent is not None or not any(m is not None for m in stack))
        if on_walk and parent is not None and module != parent:
            if module in stack:
                climbs += 1  # back into a module the walk is already inside of
            stops.append((parent, f"{module}:{code.co_name}"))
            entries[module] += 1
        stack.append(module if on_walk else None)

    from mlprereq.cli import main

    sys.setprofile(profile)
    try:
        main(argv)
    finally:
        sys.setprofile(None)
    return stops, entries, climbs


def main(assignment: str = "03_einops") -> None:
    from mlprereq.grading.cohort import make_course_dir, submissions_for

    with tempfile.TemporaryDirectory() as tmp:
        course = make_course_dir(Path(tmp) / "course")
        for master in sorted((course / "source" / assignment).glob("*.ipynb")):
            text, _ = submissions_for(master, course / "release" / assignment / master.name)["blank"]
            folder = course / "submitted" / "blank" / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / master.name).write_text(text)
        stops, entries, climbs = trace(["--course", str(course), "autograde", assignment, "--workers", "1", "--quiet"])
    for caller, callee in stops:
        print(f"  {caller} -> {callee}")
    distinct = len({callee for _, callee in stops})
    print(f"{len(stops)} stops ({distinct} distinct functions) in {len(entries)} modules, {climbs} climbs back; "
          "entries per module:")
    for mod, n in entries.most_common():
        print(f"  {mod}: {n}")


if __name__ == "__main__":
    main(*sys.argv[1:])
