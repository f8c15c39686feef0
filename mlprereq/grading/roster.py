"""The class roster: a CSV with columns id, first_name, last_name, email."""
from __future__ import annotations

import csv
from pathlib import Path

REQUIRED = ("id",)
OPTIONAL = ("first_name", "last_name", "email", "lms_user_id")


class RosterError(ValueError):
    pass


def read_roster(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "id" not in columns:
            raise RosterError(f"{path}: the roster needs an 'id' column (found: {', '.join(columns) or 'none'}).")
        rows = []
        for n, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("id"):
                raise RosterError(f"{path}, line {n}: empty student id.")
            rows.append({k: row.get(k) or None for k in ("id", *OPTIONAL)})
    ids = [r["id"] for r in rows]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RosterError(f"{path}: student ids listed twice: {', '.join(dupes)}.")
    return rows


def import_roster(gradebook, path: Path) -> int:
    """Add or update every roster student in the gradebook; returns how many."""
    rows = read_roster(path)
    for row in rows:
        gradebook.update_or_create_student(row.pop("id"), **row)
    return len(rows)
