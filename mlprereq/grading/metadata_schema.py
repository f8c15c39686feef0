"""nbgrader's cell-metadata checks, with the schema validator built once per process.

nbgrader checks the nbgrader metadata of every cell with
``jsonschema.validate(metadata, schema)``, which each time first checks the
schema itself against JSON Schema's meta-schema and builds a new validator.
For a notebook of 120 cells that is about 0.3 s per submission
(CheckCellMetadata runs twice in an autograde). The schema is nbgrader's own
file and never changes, so the course's grading processes check it once and
keep one validator; the verdict, and the error raised, are jsonschema's own.
"""
from __future__ import annotations

import json

import jsonschema
from jsonschema.exceptions import best_match

_VALIDATORS: dict[str, object] = {}


def validate(instance, schema, cls=None, *args, **kwargs) -> None:
    """``jsonschema.validate``, with the schema checked and its validator built once per distinct schema."""
    if args or kwargs:
        return jsonschema.validate(instance, schema, cls, *args, **kwargs)
    key = json.dumps([schema, cls and f"{cls.__module__}.{cls.__qualname__}"], sort_keys=True, default=str)
    validator = _VALIDATORS.get(key)
    if validator is None:
        kind = cls or jsonschema.validators.validator_for(schema)
        kind.check_schema(schema)
        validator = _VALIDATORS[key] = kind(schema)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


class _Jsonschema:
    """The jsonschema module as nbgrader's metadata checks see it: the same, but for :func:`validate`."""

    validate = staticmethod(validate)

    def __getattr__(self, name):
        return getattr(jsonschema, name)


def cache_metadata_validator() -> None:
    """Make nbgrader's metadata checks in this process use :func:`validate` (idempotent)."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _Jsonschema):
        common.jsonschema = _Jsonschema()
