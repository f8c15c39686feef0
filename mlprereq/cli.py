"""`course`: the command line for instructors and TAs.

    course release [--check] [ASSIGNMENT ...]   regenerate release/ from source/
    course roster ROSTER.csv                    add the students of a CSV to the gradebook
    course collect ASSIGNMENT --zip FILE        LMS zip -> submitted/
    course collect ASSIGNMENT --exchange        a JupyterHub's nbgrader exchange -> submitted/
    course hub-release ASSIGNMENT [--feedback]  release to (or feedback through) the exchange
    course autograde ASSIGNMENT [--student ID] [--workers N | --scheduler ADDR] [--force]
                                                grade submissions (one broken notebook never stops the batch)
    course feedback ASSIGNMENT                  HTML feedback in feedback/
    course export ASSIGNMENT [--out F]          grades.csv, one row per roster student
    course grade ASSIGNMENT [--roster R] [--zip Z] [--out F]   all of the above in order
    course report ASSIGNMENT [--out DIR]        cohort report: pass rates, histogram, slowest cells, flags
    course demo                                 build and grade a small demo cohort in demo/

Every command takes --course DIR (default: the course folder around the
current directory).

autograde/grade grade N submissions at once (--workers, default: the number of
cores), or on a Dask cluster (--scheduler tcp://host:8786). A re-run grades
only what has no outcome yet or changed since (--force: everything), so after
Ctrl-C or a crash the same command finishes the cohort. See
docs/grading_at_scale.md.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from .course import ROOT
from .startup import skip_slow_iri_checker

skip_slow_iri_checker()


def course_root(arg: str | None) -> Path:
    if arg:
        return Path(arg).resolve()
    from .grading.layout import CourseLayout

    found = CourseLayout.find(Path.cwd())
    return found.root if found else ROOT


def cmd_release(args) -> int:
    from . import release

    return release.main((["--check"] if args.check else []) + args.assignments)


def cmd_roster(args) -> int:
    from .grading.roster import import_roster
    from .nbgrader_api import make_api

    with make_api(args.course).gradebook as gb:
        n = import_roster(gb, Path(args.roster))
    print(f"{n} students in the roster")
    return 0


def cmd_collect(args) -> int:
    from .grading.collect import collect_zip, submitted_students
    from .nbgrader_api import load_config

    if getattr(args, "exchange", False):
        return hub_command(args, "collect")
    if not args.zip:
        print("error: collect needs --zip FILE or --exchange", file=sys.stderr)
        return 2
    collect_zip(args.course, args.assignment, Path(args.zip), load_config(args.course))
    print(f"{len(submitted_students(args.course, args.assignment))} submissions in submitted/")
    return 0


def hub_command(args, what: str) -> int:
    from . import exchange

    exchange.as_course_owner(args.course, sys.argv[1:])  # root: as the account that owns the exchange
    try:
        if what == "collect":
            for line in exchange.collect(args.course, args.assignment):
                print(line)
            from .grading.collect import submitted_students
            print(f"{len(submitted_students(args.course, args.assignment))} submissions in submitted/")
        elif args.feedback:
            print(exchange.release_feedback(args.course, args.assignment))
        else:
            print(exchange.release(args.course, args.assignment))
    except exchange.HubError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def cmd_hub_release(args) -> int:
    return hub_command(args, "release")


def cmd_autograde(args) -> int:
    from .grading.loop import AlreadyRunning, WrongInstall, run_autograde

    try:
        run = run_autograde(args.course, args.assignment, args.student or None, progress=not args.quiet,
                            workers=args.workers, scheduler=args.scheduler, force=args.force)
    except (AlreadyRunning, WrongInstall) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = [o for o in run.outcomes.values() if o.status == "failed"]
    for o in failed:
        print(f"{o.student}: {o.reason}")
    print(f"{len(run.graded)} submissions graded in {run.seconds:.0f} s"
          + (f", {len(run.skipped)} already graded (unchanged; --force regrades them)" if run.skipped else ""))
    if run.interrupted:
        print(f"interrupted: {len(run.unfinished)} submissions not graded yet; run the same command again to "
              "finish them", file=sys.stderr)
        return 130
    if run.unfinished:
        for student, why in sorted(run.unfinished.items()):
            print(f"{student}: not graded: {why}", file=sys.stderr)
        return 1
    return 0


def cmd_feedback(args) -> int:
    from .grading.loop import generate_feedback

    result = generate_feedback(args.course, args.assignment)
    if result["success"]:
        from .grading.feedback_names import name_tests_in_feedback
        name_tests_in_feedback(args.course, args.assignment)  # "Test cell" -> each test's name
    if not result["success"]:
        print(f"no feedback written for {args.assignment}:\n{result.get('log') or result.get('error') or ''}",
              file=sys.stderr)
        return 1
    print("feedback written to feedback/")
    return 0


def cmd_export(args) -> int:
    from .grading.status import load_status
    from .grading.report import format_table, rows_for, write_csv
    from .nbgrader_api import make_api

    with make_api(args.course).gradebook as gb:
        rows = rows_for(gb, args.assignment, load_status(args.course, args.assignment))
    from .exchange import late_flags
    late_flags(args.course, args.assignment, rows)  # a deadline in course.toml marks late submissions
    if getattr(args, "final", False):
        from .grading.manual import refuse_final
        if (message := refuse_final(rows)) is not None:
            print(message)
            return 3
    out = Path(args.out) if args.out else args.course / "grades.csv"
    write_csv(rows, out)
    print(format_table(rows))
    print(f"\nwrote {out}")
    return 0


def cmd_grade(args) -> int:
    if args.roster:
        cmd_roster(args)
    if args.zip:
        cmd_collect(args)
    code = cmd_autograde(args)
    if code in (2, 130):  # another run is grading, or Ctrl-C: stop here
        return code
    feedback = cmd_feedback(args)  # a failure here must not pass for a finished run
    return cmd_export(args) or code or feedback


def cmd_report(args) -> int:
    from .grading.status import load_status
    from .grading.cohort_report import write_report
    from .grading.report import format_flags, rows_for
    from .nbgrader_api import make_api

    out = Path(args.out) if args.out else args.course / "reports" / args.assignment
    with make_api(args.course).gradebook as gb:
        page = write_report(gb, args.course, args.assignment, out)
        rows = rows_for(gb, args.assignment, load_status(args.course, args.assignment))
    print(format_flags(rows))
    print(f"\ncohort report: {page}")
    return 0


def cmd_demo(args) -> int:
    from .grading.cohort import make_course_dir, write_cohort

    dest = Path(args.dir).resolve()
    shutil.rmtree(dest, ignore_errors=True)
    course = make_course_dir(dest)
    write_cohort(course, args.assignment)
    print(f"demo cohort of {args.assignment} written to {dest}/submitted")
    ns = argparse.Namespace(course=course, assignment=args.assignment, roster=None, zip=None, student=None,
                            quiet=False, out=str(course / "grades.csv"), workers=None, scheduler=None, force=False)
    return cmd_grade(ns)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", help="the course folder (holding nbgrader_config.py)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate release/ from source/")
    p.add_argument("--check", action="store_true")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("roster", help="import a roster CSV (id, first_name, last_name, email)")
    p.add_argument("roster")
    p.set_defaults(func=cmd_roster)

    p = sub.add_parser("collect", help="collect an LMS zip of submissions")
    p.add_argument("assignment")
    p.add_argument("--zip")
    p.add_argument("--exchange", action="store_true", help="collect from the JupyterHub's nbgrader exchange")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("hub-release", help="release an assignment (or its feedback) through the exchange")
    p.add_argument("assignment")
    p.add_argument("--feedback", action="store_true", help="release feedback/ to the students instead")
    p.set_defaults(func=cmd_hub_release)

    for name, func, doc in [("autograde", cmd_autograde, "autograde submissions"),
                            ("grade", cmd_grade, "roster, collect, autograde, feedback, export")]:
        p = sub.add_parser(name, help=doc)
        p.add_argument("assignment")
        p.add_argument("--student", action="append", help="only this student (repeatable)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument("--workers", type=positive_int, metavar="N",
                       help="submissions graded at once, each in its own worker process and kernel "
                            "(default: the number of cores; 1: in this process)")
        p.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 "
                            "(see docs/grading_at_scale.md)")
        p.add_argument("--force", action="store_true",
                       help="regrade every submission (default: only those not yet graded, or changed since)")
        if name == "grade":
            p.add_argument("--roster")
            p.add_argument("--zip")
            p.add_argument("--out")
        p.set_defaults(func=func)

    p = sub.add_parser("feedback", help="generate HTML feedback")
    p.add_argument("assignment")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write grades.csv and print the score table")
    p.add_argument("assignment")
    p.add_argument("--out")
    p.add_argument("--final", action="store_true", help="refuse while written answers are ungraded")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="cohort report (CSV, PNG, HTML) and the flagged submissions")
    p.add_argument("assignment")
    p.add_argument("--out", help="folder (default: reports/ASSIGNMENT)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="build and grade a demo cohort")
    p.add_argument("--dir", default=str(ROOT / "demo"))
    p.add_argument("--assignment", default="03_einops")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    root_logger = logging.getLogger()
    if not root_logger.handlers:  # as logging.basicConfig, but the level is the handler's: the grading
        handler = logging.StreamHandler()  # log file takes INFO lines, the terminal only with -v
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.setLevel(level)
        root_logger.addHandler(handler)
        root_logger.setLevel(level)
    if hasattr(args, "course") and args.command != "release":
        args.course = course_root(args.course)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
